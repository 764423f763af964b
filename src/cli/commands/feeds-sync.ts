/**
 * `mamori feeds sync [SOURCE…]`: download and import the feeds now, through the
 * running server (or in-process when none runs), and `--plan` to list what a
 * sync downloads (the URLs to mirror for an air-gapped server). Registered on
 * the `feeds` command when it exists.
 */
import type { Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { withApi } from '../local-api.js';
import { formatTable, printJson } from '../output.js';

type Globals = { dataDir?: string; databaseUrl?: string };

interface SyncResultView {
  sourceId: string;
  outcome: 'imported' | 'not_modified' | 'busy' | 'skipped' | 'error';
  startedAt: string;
  finishedAt: string;
  downloads: { url: string; status: 'ok' | 'not_modified'; bytes: number }[];
  files: number;
  import: { advisories: number; affected: number; enrichments: number; problems: number; changedKeys: number } | null;
  message: string | null;
}

interface PlanView {
  sources: { id: string; title: string; neededBy: string[]; origin: string; urls: string[] }[];
  notes: string[];
}

function mib(bytes: number): string {
  return bytes === 0 ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function registerFeedsSyncCommand(program: Command): void {
  const feeds = program.commands.find((c) => c.name() === 'feeds') ?? program.command('feeds').description('vulnerability feeds');
  feeds
    .command('sync')
    .description('download the feeds the fleet needs and import them now (needs network, a proxy or MAMORI_FEED_MIRROR)')
    .argument('[source...]', 'only these sources, e.g. osv:AlmaLinux nvd (default: every source the fleet needs)')
    .option('--plan', 'only list the sources and URLs a sync would download')
    .option('--json', 'print JSON')
    .action(async (sources: string[], opts: { plan?: boolean; json?: boolean }, cmd: Command) => {
      const storage = storageConfig(cmd.optsWithGlobals<Globals>());
      if (opts.plan === true) {
        const plan = await withApi(storage, (api) => api.call<PlanView>('GET', '/api/v1/feeds/sync/plan'));
        if (opts.json === true) {
          printJson(plan);
          return;
        }
        const lines: string[] = [];
        for (const s of plan.sources) {
          lines.push(`${s.id}  (${s.title}; ${s.neededBy.join(', ')}${s.origin === 'upstream' ? '' : `; ${s.origin}`})`);
          for (const u of s.urls) lines.push(`  ${u}`);
        }
        for (const n of plan.notes) lines.push(`note: ${n}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      const { results } = await withApi(storage, (api) =>
        api.call<{ results: SyncResultView[] }>('POST', '/api/v1/feeds/sync', sources.length > 0 ? { sources } : {}),
      );
      if (opts.json === true) printJson(results);
      else {
        process.stdout.write(
          `${formatTable(
            ['SOURCE', 'OUTCOME', 'DOWNLOADED', 'ADVISORIES', 'ENRICHMENTS', 'PROBLEMS', 'CHANGED KEYS', 'MESSAGE'],
            results.map((r) => [
              r.sourceId,
              r.outcome,
              mib(r.downloads.reduce((n, d) => n + d.bytes, 0)),
              r.import?.advisories ?? null,
              r.import?.enrichments ?? null,
              r.import?.problems ?? null,
              r.import?.changedKeys ?? null,
              r.message ?? '',
            ]),
          )}\n`,
        );
      }
      const failed = results.filter((r) => r.outcome === 'error').map((r) => r.sourceId);
      if (failed.length > 0) throw new AppError('ERR_FEED_FETCH', `${failed.length} of ${results.length} feed sources failed to sync: ${failed.join(', ')}`);
    });
}
