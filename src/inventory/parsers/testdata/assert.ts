import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../../errors.js';

/** Runs fn, expects an AppError with the code (and a message matching `message`, if given); returns it. */
export function expectAppError(fn: () => unknown, code: ErrorCode, message?: RegExp): AppError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an AppError to be thrown').toBeInstanceOf(AppError);
  const err = thrown as AppError;
  expect(err.code).toBe(code);
  if (message !== undefined) expect(err.message).toMatch(message);
  return err;
}

/** Asserts nothing was added to Object.prototype (a `__proto__` key must stay data). */
export function expectPrototypeClean(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
