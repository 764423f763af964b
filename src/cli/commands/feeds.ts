/**
 * `mamori feeds …`: the vulnerability knowledge base. Every command is an API call
 * (in-process, or to the running server over the data dir's socket); paths are resolved
 * against this process's working directory first, since the server reads them.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import { withApi } from '../local-api.js';
import { formatDate, formatTable, printJson } from '../output.js';

type Globals = { dataDir?: string; databaseUrl?: string };

interface SummaryView {
  sourceId: string;
  kind: 'advisories' | 'enrichments';
  advisories: number;
  affected: number;
  enrichments: number;
  changedKeys: number;
  files: number;
  records: number;
  problemCount: number;
  problems: { record: string; message: string; file?: string }[];
  changed: boolean;
}

interface SourceResultView {
  sourceId: string;
  ok: boolean;
  summary: SummaryView | null;
  error: { code: string; message: string } | null;
}

interface StatusView {
  sourceId: string;
  kind: string | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  counts: { advisories: number; affected: number; enrichments: number; problems: number };
  newestRecordAt: string | null;
  dataAgeSeconds: number | null;
  syncing: boolean;
}

function age(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function printResults(results: SourceResultView[], verbose: boolean): void {
  for (const r of results) {
    if (r.ok && r.summary !== null) {
      const s = r.summary;
      const what = s.kind === 'enrichments' ? `${s.enrichments} enrichments` : `${s.advisories} advisories, ${s.affected} affected rows`;
      const change = !s.changed ? 'unchanged' : s.kind === 'enrichments' ? 'updated' : `${s.changedKeys} package keys changed`;
      process.stdout.write(
        `${r.sourceId}: ${what} from ${s.files} files; ${change}` +
          `${s.problemCount > 0 ? `; ${s.problemCount} problems` : ''}\n`,
      );
      const shown = verbose ? s.problems : s.problems.slice(0, 5);
      for (const p of shown) process.stdout.write(`  problem: ${p.record}: ${p.message}${p.file === undefined ? '' : ` (${p.file})`}\n`);
      if (s.problemCount > shown.length) process.stdout.write(`  … ${s.problemCount - shown.length} more problems (--verbose, or mamori feeds status)\n`);
    } else {
      process.stdout.write(`${r.sourceId}: FAILED, previous data kept: ${r.error?.message ?? 'unknown error'} (${r.error?.code ?? 'ERR_INTERNAL'})\n`);
    }
  }
}

/** Non-zero exit when a source failed, after the results were printed. */
function failIfAny(results: SourceResultView[]): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  const code = failed[0]!.error?.code;
  throw new AppError(
    code !== undefined && code in ERROR_CODES ? (code as ErrorCode) : 'ERR_FEED_INVALID',
    `${failed.length} of ${results.length} sources failed to import: ${failed.map((f) => f.sourceId).join(', ')}`,
  );
}

export function registerFeedsCommand(program: Command): void {
  const feeds = program.commands.find((c) => c.name() === 'feeds') ?? program.command('feeds').description('vulnerability feeds: the advisory knowledge base');

  feeds
    .command('import')
    .description(
      'import feed files offline: files, directories (recursively) and archives (.zip, .tar.gz, .tgz, .gz, .bz2); ' +
        'each file\'s source is detected from its content, and each source found is replaced by exactly what was given',
    )
    .argument('<paths...>', 'files, directories or archives')
    .option('--json', 'print JSON')
    .option('--verbose', 'list every problem and skipped file')
    .action(async (paths: string[], opts: { json?: boolean; verbose?: boolean }, cmd: Command) => {
      const absolute = paths.map((p) => resolve(p));
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<{ sources: SourceResultView[]; skipped: { file: string; reason: string }[] }>('POST', '/api/v1/feeds/import-paths', { paths: absolute }),
      );
      if (opts.json === true) printJson(r);
      else {
        printResults(r.sources, opts.verbose === true);
        if (r.sources.length === 0) process.stdout.write('no feed files found\n');
        if (r.skipped.length > 0) {
          process.stdout.write(`skipped ${r.skipped.length} files:\n`);
          const shown = opts.verbose === true ? r.skipped : r.skipped.slice(0, 10);
          for (const s of shown) process.stdout.write(`  ${s.file}: ${s.reason}\n`);
          if (r.skipped.length > shown.length) process.stdout.write(`  … ${r.skipped.length - shown.length} more (--verbose)\n`);
        }
      }
      failIfAny(r.sources);
    });

  feeds
    .command('status')
    .description('per source: last success and attempt, last error, counts and data age')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { items } = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => api.call<{ items: StatusView[] }>('GET', '/api/v1/feeds'));
      if (opts.json === true) {
        printJson(items);
        return;
      }
      if (items.length === 0) {
        process.stdout.write('no feed data yet: run mamori feeds sync, or mamori feeds import PATH…\n');
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['SOURCE', 'LAST SUCCESS', 'LAST ATTEMPT', 'ADVISORIES', 'ROWS', 'ENRICHMENTS', 'PROBLEMS', 'DATA AGE', 'ERROR'],
          items.map((s) => [
            `${s.sourceId}${s.syncing ? ' (syncing)' : ''}`,
            formatDate(s.lastSuccessAt),
            formatDate(s.lastAttemptAt),
            s.counts.advisories,
            s.counts.affected,
            s.counts.enrichments,
            s.counts.problems,
            age(s.dataAgeSeconds),
            s.lastError === null ? '' : s.lastError.replace(/\s+/g, ' ').slice(0, 120),
          ]),
        )}\n`,
      );
    });

  feeds
    .command('export-bundle')
    .description('write the knowledge base (advisories, affected rows, enrichments, source states) to a .tar.gz bundle for offline servers')
    .argument('<file>', 'bundle to write')
    .option('--force', 'replace the file when it exists')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<{ path: string; bytes: number; sha256: string; sources: { sourceId: string; advisories: number; affected: number; enrichments: number }[] }>(
          'POST',
          '/api/v1/feeds/export-bundle',
          { path: resolve(file), overwrite: opts.force === true },
        ),
      );
      if (opts.json === true) {
        printJson(r);
        return;
      }
      process.stdout.write(`wrote ${r.path} (${r.bytes} bytes, sha256 ${r.sha256})\n`);
      for (const s of r.sources) {
        process.stdout.write(`  ${s.sourceId}: ${s.enrichments > 0 ? `${s.enrichments} enrichments` : `${s.advisories} advisories, ${s.affected} affected rows`}\n`);
      }
    });

  feeds
    .command('import-bundle')
    .description('verify a bundle (manifest and every checksum) and load each of its sources atomically')
    .argument('<file>', 'bundle written by mamori feeds export-bundle')
    .option('--json', 'print JSON')
    .option('--verbose', 'list every problem')
    .action(async (file: string, opts: { json?: boolean; verbose?: boolean }, cmd: Command) => {
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<{ createdAt: string; sources: SourceResultView[] }>('POST', '/api/v1/feeds/import-bundle', { path: resolve(file) }),
      );
      if (opts.json === true) printJson(r);
      else {
        process.stdout.write(`bundle created ${formatDate(r.createdAt)}\n`);
        printResults(r.sources, opts.verbose === true);
      }
      failIfAny(r.sources);
    });
}
