/**
 * `mamori serve`: open storage, make sure the admin user exists, listen on TCP
 * and (embedded database) on the data directory's local socket, and shut down
 * gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight requests,
 * close the database. Every acknowledged report was committed before its
 * reply, so even `kill -9` loses nothing acknowledged.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../db/client.js';
import { localSocketPath, lockDataDir, pgliteDir, type DataDirLock } from '../db/data-dir.js';
import type { ServerConfig } from '../config.js';
import { buildContextApp, createContext } from '../context.js';
import type { App } from './app.js';
import { listenLocalSocket } from './local-socket.js';
import { MatchWorker } from '../jobs/match.worker.js';
import { join } from 'node:path';
import { startFeedSyncJob, type FeedSyncJob } from '../jobs/feed-sync.job.js';

export interface RunningServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, opts: { logLevel?: string } = {}): Promise<RunningServer> {
  let lock: DataDirLock | undefined;
  let database: Database | undefined;
  let socket: Server | undefined;
  let worker: MatchWorker | undefined;
  let feedJob: FeedSyncJob | undefined;
  try {
    if (config.databaseUrl === undefined) {
      lock = lockDataDir(config.dataDir);
      database = await openDatabase({ dataDir: pgliteDir(config.dataDir) });
    } else {
      database = await openDatabase({ url: config.databaseUrl });
    }
    const ctx = createContext(database, {
      staleAfterHours: config.staleAfterHours,
      publicUrl: config.publicUrl,
      ...(config.databaseUrl === undefined ? { feedStagingDir: join(config.dataDir, 'feeds-staging') } : {}),
    });
    const localSecret = randomBytes(32).toString('hex');
    const app = await buildContextApp(ctx, { localSecret, logger: { level: opts.logLevel ?? 'info' } });
    const admin = await ctx.deps.auth.ensureAdmin(config.adminPassword);
    if (admin.generatedPassword !== null) {
      app.log.warn(`created user "admin" with password ${admin.generatedPassword} (shown only this once; set MAMORI_ADMIN_PASSWORD to choose it)`);
    } else if (admin.created) {
      app.log.info('created user "admin" with the password from MAMORI_ADMIN_PASSWORD');
    }
    const matchWorker = new MatchWorker(ctx.repos.matchJobs, ctx.deps.matching, app.log, { reconcileEveryMs: (config.reconcileIntervalHours ?? 0) * 3600_000 });
    worker = matchWorker;
    ctx.notify.matchWork = () => {
      matchWorker.wake();
    };
    matchWorker.start();
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address() as AddressInfo;
    const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    if (lock !== undefined) {
      socket = await listenLocalSocket(app, localSocketPath(config.dataDir), localSecret, ctx.deps.limits.maxBytes * 2);
    }
    app.log.info({ storage: database.kind, location: database.location }, `Mamori listening on ${url}`);
    // Scheduled feed sync (off unless feedSyncIntervalHours > 0; `mamori serve` defaults to 6 h).
    const feedSync = ctx.deps.feedSync;
    const job = startFeedSyncJob({
      intervalHours: feedSync === undefined ? 0 : (config.feedSyncIntervalHours ?? 0),
      log: app.log,
      run: (signal) => (feedSync === undefined ? Promise.resolve([]) : feedSync.run({ signal, log: app.log })),
    });
    feedJob = job;

    let closing: Promise<void> | undefined;
    const db = database;
    const heldLock = lock;
    const sock = socket;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        if (sock !== undefined) {
          await new Promise<void>((r) => {
            sock.close(() => {
              r();
            });
          });
        }
        await job.stop();
        await app.close();
        await matchWorker.stop();
        await db.close();
        heldLock?.release();
      })());
    return { app, url, close };
  } catch (e) {
    await feedJob?.stop();
    await worker?.stop();
    if (socket !== undefined) socket.close();
    await database?.close();
    lock?.release();
    throw e;
  }
}

/** Runs until SIGTERM/SIGINT, then closes gracefully. */
export async function serveUntilSignalled(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      server.app.log.info(`${signal} received: finishing in-flight requests`);
      server.close().then(resolve, (e: unknown) => {
        server.app.log.error({ err: e }, 'error during shutdown');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
