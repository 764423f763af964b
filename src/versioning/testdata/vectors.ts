/**
 * Test support: reads the comparison vector files in this folder. One case
 * per line, `A <op> B` separated by single spaces; `#` starts a comment line.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Comparison } from '../types.js';

export const TESTDATA_DIR = dirname(fileURLToPath(import.meta.url));

export type Op = '<' | '=' | '>';

export interface Vector {
  file: string;
  /** 1-based line number in the file. */
  lineNo: number;
  text: string;
  a: string;
  op: Op;
  b: string;
}

export const EXPECTED: Readonly<Record<Op, Comparison>> = { '<': -1, '=': 0, '>': 1 };

export function opOf(c: Comparison): Op {
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/** The non-comment, non-blank lines of a testdata file, with their line numbers. */
export function readLines(file: string): { lineNo: number; text: string }[] {
  const text = readFileSync(join(TESTDATA_DIR, file), 'utf8');
  const out: { lineNo: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    out.push({ lineNo: i + 1, text: line });
  });
  return out;
}

/** The `A op B` vectors of a testdata file; throws on a malformed line so a broken fixture cannot pass silently. */
export function readVectors(file: string): Vector[] {
  return readLines(file).map(({ lineNo, text }) => {
    const parts = text.split(' ');
    const [a, op, b] = parts;
    if (parts.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>')) {
      throw new Error(`${file}:${lineNo}: not an "A op B" line: ${JSON.stringify(text)}`);
    }
    return { file, lineNo, text, a, op, b };
  });
}
