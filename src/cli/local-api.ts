/**
 * Every CLI command is a call to the HTTP API, made one of three ways:
 * - a PostgreSQL URL: the app is built in-process (many processes may share PostgreSQL);
 * - an embedded data dir with a running server: over the dir's local socket;
 * - an embedded data dir without a server: the app in-process, holding the dir's lock.
 * So commands behave the same whether or not `mamori serve` is running, and
 * the embedded database is never opened by two processes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { StorageConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { localSocketPath, lockDataDir, pgliteDir, type DataDirLock } from '../db/data-dir.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { buildContextApp, createContext, type ContextOptions } from '../context.js';
import { LOCAL_SECRET_HEADER } from '../http/auth.js';

export interface ApiClient {
  call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<T>;
}

function toError(status: number, text: string): AppError {
  try {
    const j = JSON.parse(text) as { code?: string; message?: string; details?: Record<string, unknown> };
    if (typeof j.code === 'string' && j.code in ERROR_CODES) {
      return new AppError(j.code as ErrorCode, j.message, j.details === undefined ? {} : { details: j.details });
    }
  } catch {
    /* not JSON */
  }
  return new AppError('ERR_INTERNAL', `server answered ${status}: ${text.slice(0, 500)}`);
}

function parseReply(status: number, text: string): unknown {
  if (status >= 400) throw toError(status, text);
  return text === '' ? undefined : JSON.parse(text);
}

function socketClient(socketPath: string): ApiClient {
  return {
    call: (method, url, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const req = request(
          {
            socketPath,
            path: url,
            method,
            headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              try {
                resolve(parseReply(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8')) as never);
              } catch (e) {
                reject(e instanceof Error ? e : new Error(String(e)));
              }
            });
          },
        );
        req.on('error', (e) => {
          reject(new AppError('ERR_SERVER_UNREACHABLE', `could not reach the server on ${socketPath}: ${e.message}`, { cause: e }));
        });
        req.end(payload);
      }),
  };
}

function socketAnswers(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/healthz', method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => {
      resolve(false);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

async function inProcess<T>(database: Database, fn: (api: ApiClient) => Promise<T>, ctxOpts: ContextOptions = {}): Promise<T> {
  const localSecret = randomBytes(32).toString('hex');
  const app = await buildContextApp(createContext(database, ctxOpts), { localSecret });
  try {
    return await fn({
      call: async (method, url, body) => {
        const r = await app.inject({
          method,
          url,
          headers: { [LOCAL_SECRET_HEADER]: localSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
        return parseReply(r.statusCode, r.body) as never;
      },
    });
  } finally {
    await app.close();
  }
}

export async function withApi<T>(storage: StorageConfig, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  if (storage.databaseUrl !== undefined) {
    const database = await openDatabase({ url: storage.databaseUrl });
    try {
      return await inProcess(database, fn);
    } finally {
      await database.close();
    }
  }
  const socketPath = localSocketPath(storage.dataDir);
  if (await socketAnswers(socketPath)) return fn(socketClient(socketPath));
  let lock: DataDirLock;
  try {
    lock = lockDataDir(storage.dataDir);
  } catch (e) {
    if (e instanceof AppError && e.code === 'ERR_DATA_DIR_LOCKED') {
      throw new AppError(
        'ERR_DATA_DIR_LOCKED',
        `${e.message}, which does not answer on ${socketPath}; wait for it to start (or stop) and try again`,
        e.details === undefined ? {} : { details: e.details },
      );
    }
    throw e;
  }
  try {
    const database = await openDatabase({ dataDir: pgliteDir(storage.dataDir) });
    try {
      return await inProcess(database, fn, { feedStagingDir: join(storage.dataDir, 'feeds-staging') });
    } finally {
      await database.close();
    }
  } finally {
    lock.release();
  }
}
