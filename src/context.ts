/**
 * Wires services to a database: the one place that constructs them, used by
 * `mamori serve`, by CLI commands run without a server, and by tests.
 */
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from './clock.js';
import { AuthService } from './auth/auth.service.js';
import type { Database } from './db/client.js';
import { ping } from './db/client.js';
import { isMigrated } from './db/migrate.js';
import { createRepositories, type Repositories } from './db/repositories/index.js';
import { AppError } from './errors.js';
import { buildApp, DEFAULT_LIMITS, type App, type AppDeps } from './http/app.js';
import { HostsService } from './inventory/hosts.service.js';
import { IngestService } from './inventory/ingest.service.js';
import { RegistrationService } from './inventory/registration.service.js';
import { FindingsService } from './matching/findings.service.js';
import { MatchService } from './matching/match.service.js';
// feed sync
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envOr } from './config.js';
import { FleetRepository } from './db/repositories/fleet.repository.js';
import { feedSyncSettingsFromEnv } from './feeds/fetch/config.js';
import { FeedImportService } from './feeds/import/feed-import.service.js';
import { FeedBundleService } from './feeds/bundle/bundle.service.js';
import { createFeedSyncRunner, silentLogger } from './feeds/sync.js';

export interface ContextOptions {
  clock?: Clock;
  staleAfterHours?: number;
  publicUrl?: string | undefined;
  limits?: AppDeps['limits'];
  /** Where feed downloads are staged (MAMORI_FEED_STAGING_DIR wins; default: the OS temp dir). */
  feedStagingDir?: string;
}

export interface Context {
  database: Database;
  repos: Repositories;
  deps: Omit<AppDeps, 'guards'>;
  /** Set by the server once its match worker runs: called after work for it was committed. */
  notify: { matchWork: () => void };
}

const agentFile = (name: string) => () => readFile(new URL(`../agent/${name}`, import.meta.url), 'utf8');

export function createContext(database: Database, opts: ContextOptions = {}): Context {
  const clock = opts.clock ?? systemClock;
  const repos = createRepositories(database.db);
  const notify = { matchWork: (): void => undefined };
  const feedImport = new FeedImportService(repos, clock);
  const deps: Omit<AppDeps, 'guards'> = {
    clock,
    auth: new AuthService(repos.users, clock),
    registration: new RegistrationService(repos, clock),
    ingest: new IngestService(repos, clock, () => {
      notify.matchWork();
    }),
    matching: new MatchService(repos, clock, { batchConcurrency: database.kind === 'pglite' ? 1 : 2 }),
    findings: new FindingsService(repos.findings, repos.hosts),
    feeds: feedImport,
    feedBundles: new FeedBundleService(repos, feedImport, clock),
    hosts: new HostsService(repos.hosts, clock, (opts.staleAfterHours ?? 48) * 3600_000),
    ready: async () => {
      try {
        await ping(database.db);
        if (!(await isMigrated(database.db as Kysely<unknown>))) throw new Error('migrations pending');
      } catch (e) {
        throw new AppError('ERR_DB_NOT_READY', `database not ready: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
    agentFiles: { agent: agentFile('mamori-agent'), installer: agentFile('install.sh') },
    publicUrl: opts.publicUrl,
    limits: opts.limits ?? DEFAULT_LIMITS,
  };
  // Feed sync (src/feeds/sync.ts): downloads the feeds the fleet needs into the feed import
  // service; `mamori serve` schedules it, POST /api/v1/feeds/sync runs it now.
  deps.feedSync = createFeedSyncRunner({
    state: feedImport.state,
    importFiles: feedImport.importFiles,
    fleetReleases: () => new FleetRepository(database.db).releases(),
    settings: () => feedSyncSettingsFromEnv(),
    stagingDir: envOr('MAMORI_FEED_STAGING_DIR', undefined) ?? opts.feedStagingDir ?? join(tmpdir(), 'mamori-feed-staging'),
    clock,
    log: silentLogger,
    onImported: () => {
      notify.matchWork();
    },
  });
  return { database, repos, deps, notify };
}

export function buildContextApp(ctx: Context, opts: { localSecret: string; logger?: boolean | { level: string } }): Promise<App> {
  return buildApp(ctx.deps, { localSecret: opts.localSecret, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
}
