/**
 * Test helpers shared by the feed parser tests (this folder is excluded from the build).
 * Golden files hold a parser's normalized output, sorted deterministically;
 * `UPDATE_GOLDEN=1` rewrites them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FeedParseResult } from '../../domain/advisory.js';
import { compareIds } from '../shared/ids.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

/** The team's shared data set (`/work/shared/data`, beside the repository), or null when absent. */
export function sharedDataDir(): string | null {
  const dir = sharedDataCandidate();
  return fs.existsSync(path.join(dir, 'README.md')) ? dir : null;
}

function sharedDataCandidate(): string {
  return process.env.MAMORI_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
}

/** A describe() title that says why the block is skipped when the shared data is absent. */
export function sharedDataTitle(title: string, dir: string | null): string {
  if (dir !== null) return title;
  return `${title} (skipped: shared data not found at ${sharedDataCandidate()}; set MAMORI_SHARED_DATA)`;
}

/** Every file under `dir`, recursively, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function key(...parts: (string | null | undefined)[]): string {
  return parts.map((p) => p ?? '').join('\u0000');
}

function byKey<T>(f: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => compareIds(f(a), f(b));
}

/** A copy of the result with every list in a deterministic order. */
export function sortedResult(r: FeedParseResult): FeedParseResult {
  return {
    advisories: [...r.advisories].sort(byKey((a) => key(a.source, a.id))),
    affected: [...r.affected].sort(
      byKey((a) => key(a.source, a.advisoryId, a.distro, a.release, a.channel, a.packageName, a.moduleStream, a.arch, JSON.stringify(a.ranges))),
    ),
    enrichments: [...r.enrichments].sort(byKey((e) => key(e.kind, e.cve))),
    problems: [...r.problems].sort(byKey((p) => key(p.record, p.message))),
  };
}

/** Compares `value` with `<file>` (JSON), or writes it when UPDATE_GOLDEN=1. */
export function expectGolden(file: string, value: unknown): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.writeFileSync(file, text);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(JSON.parse(text)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Input files of `testdata/happy/` (everything but `*.golden.json`), by case name. */
export function happyCases(testdataDir: string): { name: string; file: string; golden: string }[] {
  const dir = path.join(testdataDir, 'happy');
  return fs
    .readdirSync(dir)
    .filter((f) => !f.endsWith('.golden.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.[^.]+$/, '');
      return { name, file: path.join(dir, f), golden: path.join(dir, `${name}.golden.json`) };
    });
}
