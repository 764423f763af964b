/**
 * FIRST EPSS CSV (already decompressed) → per-CVE `epss` enrichments. Pure.
 * The format is three unquoted columns, so lines are split directly (linear, no CSV
 * library needed); a bad row is reported and the rest still parse.
 */
import type { EpssEnrichment, FeedParseResult } from '../../domain/advisory.js';
import { CVE_ID } from '../shared/ids.js';
import { decodeText, invalidDocument } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import type { EpssHeader } from './types.js';

const FEED = 'EPSS CSV';
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** `#model_version:v2023.03.01,score_date:2024-10-25T00:00:00+0000` → its two fields. */
export function parseEpssHeader(line: string): EpssHeader {
  const header: EpssHeader = { modelVersion: null, scoreDate: null };
  for (const part of line.replace(/^#/, '').split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim();
    if (value === '') continue;
    if (key === 'model_version') header.modelVersion = value;
    else if (key === 'score_date') header.scoreDate = value;
  }
  return header;
}

export function parseEpssCsv(input: string | Uint8Array): FeedParseResult {
  const text = decodeText(input, FEED);
  const out = emptyResult();
  let header: EpssHeader = { modelVersion: null, scoreDate: null };
  let columns: [number, number, number] | null = null;
  let start = 0;
  let lineNo = 0;
  const seen = new Set<string>();
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (columns === null) header = parseEpssHeader(line);
      continue;
    }
    const cells = line.split(',');
    if (columns === null) {
      const names = cells.map((c) => c.trim().toLowerCase());
      const cve = names.indexOf('cve');
      const epss = names.indexOf('epss');
      const percentile = names.indexOf('percentile');
      if (cve < 0 || epss < 0 || percentile < 0) {
        throw invalidDocument(FEED, `line ${lineNo} is not the "cve,epss,percentile" header`);
      }
      columns = [cve, epss, percentile];
      continue;
    }
    const where = `line ${lineNo}`;
    const cve = (cells[columns[0]] ?? '').trim();
    const score = (cells[columns[1]] ?? '').trim();
    const percentile = (cells[columns[2]] ?? '').trim();
    if (!CVE_ID.test(cve)) {
      addProblem(out, where, `"${cve}" is not a CVE id; row skipped`);
      continue;
    }
    const s = DECIMAL.test(score) ? Number(score) : NaN;
    const p = DECIMAL.test(percentile) ? Number(percentile) : NaN;
    if (!(s >= 0 && s <= 1) || !(p >= 0 && p <= 1)) {
      addProblem(out, cve, `${where}: epss "${score}" and percentile "${percentile}" must be numbers from 0 to 1; row skipped`);
      continue;
    }
    if (seen.has(cve)) {
      addProblem(out, cve, `${where}: listed twice; the later row was skipped`);
      continue;
    }
    seen.add(cve);
    const e: EpssEnrichment = {
      kind: 'epss',
      cve,
      score: s,
      percentile: p,
      date: header.scoreDate,
      modelVersion: header.modelVersion,
    };
    out.enrichments.push(e);
  }
  if (columns === null) throw invalidDocument(FEED, 'no "cve,epss,percentile" header line');
  return out;
}
