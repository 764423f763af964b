/**
 * NVD CVE API 2.0 paging: `GET <endpoint>?resultsPerPage=N&startIndex=K`, each
 * page stored as one file, until `startIndex` reaches `totalResults`. With a
 * window, only CVEs modified in it (`lastModStartDate`/`lastModEndDate`, split
 * into the API's maximum of 120 days per query).
 *
 * Rate limits (NVD: 5 requests per rolling 30 s without an API key, 50 with
 * one): a pause between requests (6 s, or 0.6 s with a key), and 403/429/5xx
 * answers are retried with backoff by the fetcher. The key goes in the
 * `apiKey` header.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Fetcher } from './http.js';

export const NVD_MAX_WINDOW_DAYS = 120;
export const NVD_MAX_PAGE_SIZE = 2000;

export interface NvdWindow {
  start: Date;
  end: Date;
}

export interface NvdFetchOptions {
  endpoint: string;
  apiKey: string | null;
  maxBytes: number;
  /** Directory the pages are written to. */
  dir: string;
  /** Only CVEs modified in this window; null = the whole database. */
  window: NvdWindow | null;
  fetcher: Fetcher;
  pageSize?: number;
  /** Pause between requests; default 6000 ms, 600 ms with an API key. */
  requestDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Safety stop. Default 10,000 pages. */
  maxPages?: number;
}

export interface NvdPage {
  url: string;
  path: string;
  bytes: number;
  cves: number;
}

export interface NvdFetchResult {
  pages: NvdPage[];
  /** CVEs in all pages. */
  cves: number;
}

/** NVD's date format, with an explicit offset (`2024-05-01T00:00:00.000+00:00`). */
export function nvdDate(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

/** Splits a window into consecutive windows of at most 120 days. */
export function splitWindow(w: NvdWindow, maxDays = NVD_MAX_WINDOW_DAYS): NvdWindow[] {
  const step = maxDays * 86_400_000;
  const out: NvdWindow[] = [];
  let s = w.start.getTime();
  const end = w.end.getTime();
  if (s >= end) return [{ start: new Date(end), end: new Date(end) }];
  while (s < end) {
    const e = Math.min(end, s + step);
    out.push({ start: new Date(s), end: new Date(e) });
    s = e;
  }
  return out;
}

interface PageHead {
  totalResults: number;
  count: number;
}

function readHead(text: string, url: string): PageHead {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`NVD page ${url} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (typeof j !== 'object' || j === null) throw new Error(`NVD page ${url} is not a JSON object`);
  const o = j as { totalResults?: unknown; vulnerabilities?: unknown };
  if (typeof o.totalResults !== 'number') throw new Error(`NVD page ${url} has no totalResults`);
  // An empty result has no `vulnerabilities` at all.
  if (o.vulnerabilities === undefined && o.totalResults === 0) return { totalResults: 0, count: 0 };
  if (!Array.isArray(o.vulnerabilities)) throw new Error(`NVD page ${url} has no vulnerabilities array`);
  return { totalResults: o.totalResults, count: o.vulnerabilities.length };
}

export async function fetchNvdPages(opts: NvdFetchOptions): Promise<NvdFetchResult> {
  const pageSize = Math.min(opts.pageSize ?? NVD_MAX_PAGE_SIZE, NVD_MAX_PAGE_SIZE);
  const pause = opts.requestDelayMs ?? (opts.apiKey === null ? 6000 : 600);
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal === undefined ? {} : { signal }));
  const maxPages = opts.maxPages ?? 10_000;
  const windows: (NvdWindow | null)[] = opts.window === null ? [null] : splitWindow(opts.window);
  const out: NvdFetchResult = { pages: [], cves: 0 };
  let requests = 0;

  for (const [wi, w] of windows.entries()) {
    let startIndex = 0;
    for (;;) {
      if (out.pages.length >= maxPages) throw new Error(`NVD paging stopped after ${maxPages} pages`);
      const q = new URLSearchParams({ resultsPerPage: String(pageSize), startIndex: String(startIndex) });
      if (w !== null) {
        q.set('lastModStartDate', nvdDate(w.start));
        q.set('lastModEndDate', nvdDate(w.end));
      }
      const url = `${opts.endpoint}?${q.toString()}`;
      if (requests > 0 && pause > 0) await sleep(pause, opts.signal);
      requests++;
      const dest = join(opts.dir, `nvd-${String(wi).padStart(3, '0')}-${String(startIndex).padStart(7, '0')}.json`);
      const r = await opts.fetcher.download({
        url,
        dest,
        maxBytes: opts.maxBytes,
        acceptGzip: true,
        retryStatuses: [403],
        ...(opts.apiKey === null ? {} : { headers: { apiKey: opts.apiKey } }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      if (r.status !== 'ok') throw new Error(`NVD answered 304 to ${url}`);
      const head = readHead(await readFile(r.path, 'utf8'), url);
      out.pages.push({ url, path: r.path, bytes: r.bytes, cves: head.count });
      out.cves += head.count;
      startIndex += head.count;
      if (startIndex >= head.totalResults) break;
      if (head.count === 0) throw new Error(`NVD returned an empty page at startIndex ${startIndex} of ${head.totalResults}`);
    }
  }
  return out;
}
