import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULTS, envOr, storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { serveUntilSignalled } from '../../http/server.js';
import { DEFAULT_FEED_SYNC_INTERVAL_HOURS, parseIntervalHours } from '../../jobs/feed-sync.job.js';

function intervalFlag(what: string) {
  return (v: string): number => {
    try {
      return parseIntervalHours(v, what);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

/** The flag's value, or the environment's default (validated only when serving). */
function intervalHours(v: number | string, env: string, what: string): number {
  if (typeof v === 'number') return v;
  try {
    return parseIntervalHours(v, what);
  } catch (e) {
    throw new AppError('ERR_VALIDATION', `${env}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Hours between full reconciliations of every host (src/jobs/match.worker.ts). */
export const DEFAULT_RECONCILE_INTERVAL_HOURS = 24;

export function parsePositiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0-65535');
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the Mamori server (HTTP API, agent endpoints); embedded database unless --database-url')
    .option('--host <addr>', 'address to listen on', envOr('MAMORI_HOST', DEFAULTS.host))
    .option('--port <n>', 'TCP port (0: any free port)', parsePort, Number(envOr('MAMORI_PORT', String(DEFAULTS.port))))
    .option('--stale-after <hours>', 'a host is stale when it has not reported for this long', parsePositiveInt('--stale-after'),
      Number(envOr('MAMORI_STALE_AFTER_HOURS', String(DEFAULTS.staleAfterHours))))
    .option('--public-url <url>', 'URL agents use to reach this server (for install.sh behind a proxy)', envOr('MAMORI_PUBLIC_URL', undefined))
    // feed sync schedule (src/jobs/feed-sync.job.ts)
    .addOption(
      new Option('--feed-sync-interval <hours>', 'hours between feed syncs; 0 disables (env MAMORI_FEED_SYNC_INTERVAL_HOURS)')
        .argParser(intervalFlag('feed sync interval'))
        .default(envOr('MAMORI_FEED_SYNC_INTERVAL_HOURS', String(DEFAULT_FEED_SYNC_INTERVAL_HOURS))),
    )
    .option('--no-feed-sync', 'never download feeds (air-gapped: import bundles with mamori feeds import-bundle)')
    .addOption(
      new Option('--reconcile-interval <hours>', 'hours between full reconciliations of every host; 0 disables (env MAMORI_RECONCILE_INTERVAL_HOURS)')
        .argParser(intervalFlag('reconcile interval'))
        .default(envOr('MAMORI_RECONCILE_INTERVAL_HOURS', String(DEFAULT_RECONCILE_INTERVAL_HOURS))),
    )
    .action(async (opts: { host: string; port: number; staleAfter: number; publicUrl?: string; feedSyncInterval: number | string; feedSync: boolean; reconcileInterval: number | string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ dataDir?: string; databaseUrl?: string }>();
      await serveUntilSignalled({
        ...storageConfig(g),
        host: opts.host,
        port: opts.port,
        staleAfterHours: opts.staleAfter,
        publicUrl: opts.publicUrl,
        adminPassword: envOr('MAMORI_ADMIN_PASSWORD', undefined),
        feedSyncIntervalHours: opts.feedSync ? intervalHours(opts.feedSyncInterval, 'MAMORI_FEED_SYNC_INTERVAL_HOURS', 'feed sync interval') : 0,
        reconcileIntervalHours: intervalHours(opts.reconcileInterval, 'MAMORI_RECONCILE_INTERVAL_HOURS', 'reconcile interval'),
      });
    });
}
