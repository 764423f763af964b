import type { FeedParseResult } from '../../domain/advisory.js';

export function emptyResult(): FeedParseResult {
  return { advisories: [], affected: [], enrichments: [], problems: [] };
}

export function addProblem(out: FeedParseResult, record: string, message: string): void {
  out.problems.push({ record, message });
}
