import { expect } from 'vitest';
import { isAppError } from '../../errors.js';

/** Asserts that `fn` throws the parsers' document error (`ERR_FEED_INVALID`) with a matching message. */
export function expectDocumentError(fn: () => unknown, text: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isAppError(thrown) && thrown.code).toBe('ERR_FEED_INVALID');
  expect(thrown instanceof Error ? thrown.message : '').toMatch(text);
}
