/**
 * Loopback-only fixtures for the feed sync tests: a scripted HTTP(S) origin that
 * records what it was asked, an in-memory FeedStateStore, a recording importer
 * that reads what it is given with the real archive reader and parsers, and zip
 * builders (yazl for honest archives, a hand-written STORE writer for hostile
 * ones yazl refuses to make).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import yazl from 'yazl';
import { readMembers } from '../../src/feeds/import/archive.js';
import { detectFormat } from '../../src/feeds/import/formats.js';
import type { FeedStateStore, ImportFiles, ImportSummary, SourceState, UrlValidators } from '../../src/feeds/sync-types.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface TestOrigin {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server, protocol: 'http' | 'https', handler: Handler): Promise<TestOrigin> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${protocol}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => { r(); });
      }),
  };
}

export function startOrigin(handler: Handler): Promise<TestOrigin> {
  return listen(createHttpServer(), 'http', handler);
}

export function startHttpsOrigin(tls: { key: string; cert: string }, handler: Handler): Promise<TestOrigin> {
  return listen(createHttpsServer(tls), 'https', handler);
}

/** Serves bytes with an ETag and Last-Modified, answering 304 to a matching If-None-Match. */
export function sendWithValidators(req: IncomingMessage, res: ServerResponse, body: Buffer, etag: string, contentType = 'application/octet-stream'): void {
  const lastModified = 'Tue, 25 Nov 2025 10:00:00 GMT';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'last-modified': lastModified });
    res.end();
    return;
  }
  res.writeHead(200, { etag, 'last-modified': lastModified, 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').pathname;
}

// --- state and import -------------------------------------------------------------------

export class MemoryStateStore implements FeedStateStore {
  readonly states = new Map<string, SourceState>();
  readonly claims = new Set<string>();
  readonly finished: { sourceId: string; ok: boolean; notModified?: boolean; error?: string; validators?: Record<string, UrlValidators> }[] = [];
  /** Sources some other process holds. */
  readonly heldElsewhere = new Set<string>();

  get(sourceId: string): Promise<SourceState> {
    return Promise.resolve(this.states.get(sourceId) ?? { validators: {}, lastSuccessAt: null });
  }

  claim(sourceId: string): Promise<boolean> {
    if (this.heldElsewhere.has(sourceId) || this.claims.has(sourceId)) return Promise.resolve(false);
    this.claims.add(sourceId);
    return Promise.resolve(true);
  }

  finish(
    sourceId: string,
    outcome: { ok: true; at: Date; validators: Record<string, UrlValidators>; notModified: boolean } | { ok: false; at: Date; error: string },
  ): Promise<void> {
    this.claims.delete(sourceId);
    if (outcome.ok) {
      this.states.set(sourceId, { validators: outcome.validators, lastSuccessAt: outcome.at });
      this.finished.push({ sourceId, ok: true, notModified: outcome.notModified, validators: outcome.validators });
    } else {
      const prev = this.states.get(sourceId) ?? { validators: {}, lastSuccessAt: null };
      this.states.set(sourceId, prev);
      this.finished.push({ sourceId, ok: false, error: outcome.error });
    }
    return Promise.resolve();
  }
}

export interface ImportCall {
  sourceId: string;
  paths: string[];
  /** File names (basenames) handed over. */
  files: string[];
  /** Members read from them (archives opened) and the records parsed. */
  members: number;
  advisories: number;
  enrichments: number;
}

/**
 * An ImportFiles that reads every file the way the real importer does (archive reader,
 * format detection, real parsers) and records what it saw, without a database.
 */
export function recordingImport(): { importFiles: ImportFiles; calls: ImportCall[] } {
  const calls: ImportCall[] = [];
  const importFiles: ImportFiles = async (sourceId, paths) => {
    const call: ImportCall = { sourceId, paths, files: paths.map((p) => p.split('/').pop() ?? p), members: 0, advisories: 0, enrichments: 0 };
    const problems: ImportSummary['problems'] = [];
    for (const p of paths) {
      for await (const m of readMembers(p)) {
        if (m.kind === 'skip') {
          problems.push({ record: m.name, message: m.reason });
          continue;
        }
        call.members++;
        const d = detectFormat(m.data);
        if ('skip' in d) {
          problems.push({ record: m.name, message: d.skip });
          continue;
        }
        if (d.sourceId !== sourceId) throw new Error(`${m.name} belongs to ${d.sourceId}, not ${sourceId}`);
        const r = d.format.parse(m.data);
        call.advisories += r.advisories.length;
        call.enrichments += r.enrichments.length;
      }
    }
    calls.push(call);
    return { sourceId, advisories: call.advisories, affected: 0, enrichments: call.enrichments, problems, changedKeys: 0 };
  };
  return { importFiles, calls };
}

// --- zips ---------------------------------------------------------------------------------

/** A deflated zip of the JSON files in `dir` (as osv.dev publishes all.zip). */
export async function zipDirectory(dir: string, limit?: number): Promise<{ zip: Buffer; count: number }> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const chosen = limit === undefined ? names : names.slice(0, limit);
  const z = new yazl.ZipFile();
  for (const n of chosen) z.addBuffer(await readFile(join(dir, n)), n, { mtime: new Date('2025-11-25T00:00:00Z') });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return { zip: Buffer.concat(chunks), count: chosen.length };
}

/** A STORE-method zip with arbitrary names and Unix modes (for hostile archives). */
export function storeZip(entries: { name: string; data: Buffer; mode?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
