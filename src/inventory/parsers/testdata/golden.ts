/**
 * Golden files for parser tests: `expectGolden(path, value)` compares `value` (as JSON) with the
 * file; `UPDATE_GOLDEN=1 npx vitest run src/inventory` rewrites them. Review the diff like code.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export function expectGolden(path: string, value: unknown): void {
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}
