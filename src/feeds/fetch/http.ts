/**
 * HTTP downloads for the feed sync, on undici. One download streams one URL to
 * a file (never into memory), and is:
 *
 * - conditional: `If-None-Match` / `If-Modified-Since` from the validators the
 *   last download stored; a 304 is "not modified" and writes nothing;
 * - bounded: a connect timeout, a timeout for the response headers, an idle
 *   timeout while reading the body and an overall timeout per attempt; a size
 *   cap checked against `Content-Length` and again while streaming (also after
 *   `Content-Encoding` decoding, so a gzip bomb stops at the cap);
 * - retried with exponential backoff and jitter on network errors, connect,
 *   header and idle timeouts, and on 408, 429 and 5xx, honouring `Retry-After`;
 *   other 4xx, TLS failures, the size cap and the overall timeout fail at once;
 * - proxied per `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (lower case first,
 *   as curl does; an https URL falls back to the HTTP proxy when only that is
 *   set, as undici's EnvHttpProxyAgent does). http URLs go to the proxy as
 *   absolute-form requests, https ones through a CONNECT tunnel. Localhost is
 *   not exempt unless NO_PROXY says so;
 * - TLS-verified against Node's CA roots plus an optional extra CA file (the CA
 *   of a TLS-inspecting corporate proxy, `MAMORI_CA_FILE`).
 *
 * Redirects are followed (at most 5, never from https to http); headers the
 * caller added (an API key) are dropped when a redirect leaves the origin.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { rootCertificates } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { AppError } from '../../errors.js';
import type { UrlValidators } from '../sync-types.js';

export const USER_AGENT = 'mamori/0.1.0';

export const DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024 ** 3;

/** Proxy URLs as found in the environment; '' = none. */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export interface HttpFetcherOptions {
  proxy: ProxySettings;
  /** Extra trusted CA certificates (PEM), added to Node's built-in roots. */
  caPem?: string | null;
  userAgent?: string;
  /** TCP (and proxy) connect timeout. Default 30 s. */
  connectTimeoutMs?: number;
  /** From sending the request to the response headers. Default 120 s. */
  headersTimeoutMs?: number;
  /** Longest silence while the body streams. Default 120 s. */
  idleTimeoutMs?: number;
  /** One attempt, headers and whole body. Default 60 min. */
  attemptTimeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Backoff before retry n (0-based) is min(max, base * 2^n), half of it random. Defaults 1 s and 60 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A longer `Retry-After` fails the download instead of waiting. Default 10 min. */
  maxRetryAfterMs?: number;
  /** Default size cap of one download, in bytes (after decoding). Default 2 GiB. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Called before each retry. */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; error: FetchError }) => void;
}

export interface DownloadRequest {
  url: string;
  /** Where the body goes; written as `<dest>.part` and renamed when complete. */
  dest: string;
  /** Validators of the last successful download of this URL: makes the request conditional. */
  validators?: UrlValidators | null;
  /** Extra request headers (an API key); dropped on a cross-origin redirect. */
  headers?: Record<string, string>;
  maxBytes?: number;
  /** Ask for a gzip transfer encoding (JSON APIs); the body is stored decoded. */
  acceptGzip?: boolean;
  /** Statuses to retry besides 408, 429 and 5xx (NVD answers 403 when rate limiting). */
  retryStatuses?: readonly number[];
  signal?: AbortSignal;
}

export type DownloadResult =
  | { status: 'not-modified'; url: string; validators: UrlValidators }
  | {
      status: 'ok';
      url: string;
      /** After redirects. */
      finalUrl: string;
      path: string;
      bytes: number;
      validators: UrlValidators;
      contentType: string | null;
    };

/** What the sync needs from an HTTP client (tests may pass their own). */
export interface Fetcher {
  download(req: DownloadRequest): Promise<DownloadResult>;
  close(): Promise<void>;
}

/** Why a download failed (`details.reason` of the `ERR_FEED_FETCH` error). */
export type FetchFailure = 'http-status' | 'network' | 'timeout' | 'tls' | 'too-large' | 'redirect' | 'bad-encoding' | 'aborted';

/** A failed download: `ERR_FEED_FETCH` with the reason, whether it is worth retrying, and the status. */
export class FetchError extends AppError {
  readonly reason: FetchFailure;
  readonly retryable: boolean;
  readonly status: number | null;
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | null;

  constructor(
    reason: FetchFailure,
    message: string,
    opts: { retryable: boolean; status?: number; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super('ERR_FEED_FETCH', message, {
      details: { reason, ...(opts.status === undefined ? {} : { status: opts.status }) },
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.reason = reason;
    this.retryable = opts.retryable;
    this.status = opts.status ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The environment's proxy settings, lower-case names first (curl's order). */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (lower: string, upper: string): string => {
    const l = env[lower];
    if (l !== undefined && l.trim() !== '') return l.trim();
    const u = env[upper];
    return u !== undefined && u.trim() !== '' ? u.trim() : '';
  };
  return { httpProxy: pick('http_proxy', 'HTTP_PROXY'), httpsProxy: pick('https_proxy', 'HTTPS_PROXY'), noProxy: pick('no_proxy', 'NO_PROXY') };
}

/** A URL without its password, for messages and logs (mirror and proxy URLs may carry credentials). */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** `http://user:pass@mirror/…` → the URL without them and a Basic `Authorization` value (undici ignores userinfo). */
function splitCredentials(u: URL): { url: URL; authorization: string | null } {
  if (u.username === '' && u.password === '') return { url: u, authorization: null };
  const bare = new URL(u.href);
  bare.username = '';
  bare.password = '';
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return { url: bare, authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function errorCodeOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && typeof cur === 'object' && cur !== null; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED' && code !== 'ABORT_ERR') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Counts bytes through it and fails once they exceed the cap. */
class ByteCap extends Transform {
  bytes = 0;
  constructor(
    private readonly cap: number,
    private readonly url: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) {
      cb(new FetchError('too-large', `download of ${this.url} exceeds the size limit of ${this.cap} bytes`, { retryable: false }));
      return;
    }
    cb(null, chunk);
  }
}

/** Drops a response body we will not read (destroying it emits an abort error: swallow that). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function decoderFor(encoding: string | undefined, url: string): Transform | null {
  const e = (encoding ?? '').trim().toLowerCase();
  switch (e) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new FetchError('bad-encoding', `${url} was sent with an unsupported Content-Encoding "${e}"`, { retryable: false });
  }
}

export function createHttpFetcher(opts: HttpFetcherOptions): Fetcher {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 120_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 120_000;
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 60 * 60_000;
  const retries = opts.retries ?? 4;
  const backoffBaseMs = opts.backoffBaseMs ?? 1000;
  const backoffMaxMs = opts.backoffMaxMs ?? 60_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 10 * 60_000;
  const defaultMaxBytes = opts.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const maxRedirects = opts.maxRedirects ?? 5;
  const userAgent = opts.userAgent ?? USER_AGENT;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal === undefined ? {} : { signal }));
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;

  const tls = opts.caPem === undefined || opts.caPem === null || opts.caPem.trim() === '' ? {} : { ca: [...rootCertificates, opts.caPem] };
  // Explicit strings (never undefined) so undici does not fall back to process.env on its own.
  const dispatcher: Dispatcher = new EnvHttpProxyAgent({
    httpProxy: opts.proxy.httpProxy,
    httpsProxy: opts.proxy.httpsProxy,
    noProxy: opts.proxy.noProxy,
    // http targets as absolute-form requests: proxies commonly refuse CONNECT to port 80
    proxyTunnel: false,
    connect: { timeout: connectTimeoutMs, ...tls },
    proxyTls: { timeout: connectTimeoutMs, ...tls },
    requestTls: { timeout: connectTimeoutMs, ...tls },
    headersTimeout: headersTimeoutMs,
    bodyTimeout: idleTimeoutMs,
  });

  const classify = (e: unknown, url: URL, timedOut: boolean, cancelled: boolean): FetchError => {
    if (e instanceof FetchError) return e;
    if (cancelled) return new FetchError('aborted', `download of ${redactUrl(url.href)} was cancelled`, { retryable: false, cause: e });
    if (timedOut) {
      // not retried: a transfer this slow would be as slow again (and outlast the source's claim)
      return new FetchError('timeout', `download of ${redactUrl(url.href)} did not complete within ${attemptTimeoutMs} ms`, { retryable: false, cause: e });
    }
    const code = errorCodeOf(e);
    const msg = messageOf(e);
    const proxyStatus = /Proxy response \((\d+)\)/.exec(msg);
    if (proxyStatus) {
      const status = Number(proxyStatus[1]);
      return new FetchError('network', `the proxy refused to connect to ${url.host} (status ${status})`, {
        retryable: status >= 500,
        status,
        cause: e,
      });
    }
    if (msg.includes('Proxy Authentication Required')) {
      return new FetchError('network', `the proxy requires authentication (407); put the credentials in the proxy URL`, { retryable: false, status: 407, cause: e });
    }
    switch (code ?? '') {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new FetchError('timeout', `could not connect to ${url.host} within ${connectTimeoutMs} ms`, { retryable: true, cause: e });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new FetchError('timeout', `${url.host} sent no response within ${headersTimeoutMs} ms`, { retryable: true, cause: e });
      case 'UND_ERR_BODY_TIMEOUT':
        return new FetchError('timeout', `${url.host} stopped sending data for ${idleTimeoutMs} ms`, { retryable: true, cause: e });
      default:
        break;
    }
    if (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
      return new FetchError(
        'tls',
        `TLS to ${url.host} failed (${code}: ${msg}); behind a TLS-inspecting proxy, set MAMORI_CA_FILE to its CA certificate`,
        { retryable: false, cause: e },
      );
    }
    if (code !== undefined && code.startsWith('Z_')) {
      return new FetchError('bad-encoding', `the compressed body from ${url.host} is corrupt: ${msg}`, { retryable: false, cause: e });
    }
    return new FetchError('network', `download of ${redactUrl(url.href)} failed: ${code === undefined ? msg : `${code}: ${msg}`}`, { retryable: true, cause: e });
  };

  const attempt = async (req: DownloadRequest): Promise<DownloadResult> => {
    const maxBytes = req.maxBytes ?? defaultMaxBytes;
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort();
    }, attemptTimeoutMs);
    const signal = req.signal === undefined ? timeout.signal : AbortSignal.any([req.signal, timeout.signal]);
    const part = `${req.dest}.part`;
    const start = splitCredentials(new URL(req.url));
    const origin = start.url.origin;
    let url = start.url;
    try {
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = {
          'user-agent': userAgent,
          accept: '*/*',
          'accept-encoding': req.acceptGzip === true ? 'gzip' : 'identity',
          ...(url.origin === origin ? req.headers : {}),
          ...(url.origin === origin && start.authorization !== null ? { authorization: start.authorization } : {}),
        };
        const v = req.validators ?? null;
        const etag = v?.etag ?? null;
        const lastModified = v?.lastModified ?? null;
        if (etag !== null && etag !== '') headers['if-none-match'] = etag;
        if (lastModified !== null && lastModified !== '') headers['if-modified-since'] = lastModified;

        let res: Dispatcher.ResponseData;
        try {
          res = await request(url, { dispatcher, method: 'GET', headers, signal, headersTimeout: headersTimeoutMs, bodyTimeout: idleTimeoutMs });
        } catch (e) {
          throw classify(e, url, timeout.signal.aborted, req.signal?.aborted === true);
        }
        const status = res.statusCode;
        const h = res.headers;

        if (REDIRECT_STATUSES.has(status)) {
          discard(res.body);
          const location = header(h, 'location');
          if (location === undefined) throw new FetchError('redirect', `${redactUrl(url.href)} answered ${status} without a Location`, { retryable: false, status });
          if (hop >= maxRedirects) throw new FetchError('redirect', `more than ${maxRedirects} redirects from ${redactUrl(req.url)}`, { retryable: false, status });
          const next = splitCredentials(new URL(location, url)).url;
          if (next.protocol !== 'http:' && next.protocol !== 'https:') {
            throw new FetchError('redirect', `${redactUrl(url.href)} redirects to unsupported ${next.protocol} URL`, { retryable: false, status });
          }
          if (url.protocol === 'https:' && next.protocol === 'http:') {
            throw new FetchError('redirect', `refusing the redirect from ${redactUrl(url.href)} to plain-http ${redactUrl(next.href)}`, { retryable: false, status });
          }
          url = next;
          continue;
        }

        if (status === 304) {
          discard(res.body);
          if (v === null || (etag === null && lastModified === null)) {
            throw new FetchError('http-status', `${redactUrl(url.href)} answered 304 to an unconditional request`, { retryable: false, status });
          }
          return {
            status: 'not-modified',
            url: req.url,
            validators: { etag: header(h, 'etag') ?? v.etag, lastModified: header(h, 'last-modified') ?? v.lastModified },
          };
        }

        if (status !== 200) {
          discard(res.body);
          const retryable = status === 408 || status === 429 || status >= 500 || (req.retryStatuses ?? []).includes(status);
          throw new FetchError('http-status', `${redactUrl(url.href)} answered ${status}`, {
            retryable,
            status,
            retryAfterMs: parseRetryAfter(header(h, 'retry-after'), now()),
          });
        }

        const length = header(h, 'content-length');
        if (length !== undefined && /^\d+$/.test(length) && Number(length) > maxBytes) {
          discard(res.body);
          throw new FetchError('too-large', `${redactUrl(url.href)} is ${length} bytes, over the size limit of ${maxBytes} bytes`, { retryable: false });
        }
        let decoder: Transform | null;
        try {
          decoder = decoderFor(header(h, 'content-encoding'), redactUrl(url.href));
        } catch (e) {
          discard(res.body);
          throw e;
        }
        const out = new ByteCap(maxBytes, redactUrl(url.href));
        try {
          await pipeline(
            decoder === null
              ? [res.body, out, createWriteStream(part)]
              : [res.body, new ByteCap(maxBytes, redactUrl(url.href)), decoder, out, createWriteStream(part)],
            { signal },
          );
        } catch (e) {
          discard(res.body);
          throw classify(e, url, timeout.signal.aborted, req.signal?.aborted === true);
        }
        await rename(part, req.dest);
        return {
          status: 'ok',
          url: req.url,
          finalUrl: url.href,
          path: req.dest,
          bytes: out.bytes,
          validators: { etag: header(h, 'etag') ?? null, lastModified: header(h, 'last-modified') ?? null },
          contentType: header(h, 'content-type') ?? null,
        };
      }
    } catch (e) {
      await rm(part, { force: true });
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async download(req) {
      for (let n = 0; ; n++) {
        let err: FetchError;
        try {
          return await attempt(req);
        } catch (e) {
          err = e instanceof FetchError ? e : classify(e, new URL(req.url), false, req.signal?.aborted === true);
        }
        if (!err.retryable || n >= retries || req.signal?.aborted === true) throw err;
        let wait: number;
        if (err.retryAfterMs !== null) {
          if (err.retryAfterMs > maxRetryAfterMs) {
            throw new FetchError(
              err.reason,
              `${err.message}; it asks to retry after ${Math.round(err.retryAfterMs / 1000)} s, longer than the ${Math.round(maxRetryAfterMs / 1000)} s this sync waits`,
              { retryable: false, ...(err.status === null ? {} : { status: err.status }), retryAfterMs: err.retryAfterMs, cause: err },
            );
          }
          wait = err.retryAfterMs;
        } else {
          const cap = Math.min(backoffMaxMs, backoffBaseMs * 2 ** n);
          wait = Math.round(cap / 2 + random() * (cap / 2));
        }
        opts.onRetry?.({ url: req.url, attempt: n + 1, delayMs: wait, error: err });
        try {
          await sleep(wait, req.signal);
        } catch (e) {
          throw new FetchError('aborted', `download of ${redactUrl(req.url)} was cancelled`, { retryable: false, cause: e });
        }
      }
    },
    close: () => dispatcher.close(),
  };
}
