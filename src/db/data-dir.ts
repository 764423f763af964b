/**
 * The embedded database may be opened by one process only. A process that
 * opens a data directory holds `mamori.lock` (its pid); a server also listens
 * on the directory's local socket so the CLI can talk to it instead.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.js';

export function pgliteDir(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/** Unix socket paths are limited to ~107 bytes; long data-dir paths get one in the temp dir. */
export function localSocketPath(dataDir: string): string {
  const p = join(resolve(dataDir), 'mamori.sock');
  if (Buffer.byteLength(p) < 100) return p;
  return join(tmpdir(), `mamori-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, 'mamori.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      } catch {
        /* vanished meanwhile: retry */
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new AppError('ERR_DATA_DIR_LOCKED', `data directory ${dataDir} is in use by process ${pid}`, { details: { pid } });
      }
      try {
        unlinkSync(lockPath); // stale lock of a dead process (e.g. after kill -9)
      } catch {
        /* someone else removed it */
      }
    }
  }
  throw new AppError('ERR_DATA_DIR_LOCKED', `could not lock data directory ${dataDir}`);
}
