import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import type { DocumentMatch } from '../../matching/match.service.js';
import { withApi } from '../local-api.js';
import { formatTable, printJson } from '../output.js';

type Globals = { dataDir?: string; databaseUrl?: string };

export function registerMatchCommand(program: Command): void {
  program
    .command('match')
    .description('match one inventory against the local advisory data without storing the host (like a scanner, for CI)')
    .requiredOption('--inventory <file>', '`mamori-agent collect` output or a Vuls scan result ("-" reads stdin)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'table']).default('table'))
    .option('--fail-on <severity>', 'exit 3 when a finding of this severity or higher is open (critical, high, medium, low)')
    .action(async (opts: { inventory: string; format: 'json' | 'table'; failOn?: string }, cmd: Command) => {
      const text = opts.inventory === '-' ? await readStdin() : await readFile(opts.inventory, 'utf8');
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new AppError('ERR_BAD_JSON', `${opts.inventory} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const r = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => api.call<DocumentMatch>('POST', '/api/v1/match', doc));
      if (opts.format === 'json') printJson(r);
      else printTable(r);
      if (opts.failOn !== undefined) {
        const order = ['critical', 'high', 'medium', 'low'];
        const limit = order.indexOf(opts.failOn);
        if (limit < 0) throw new AppError('ERR_VALIDATION', `--fail-on must be one of ${order.join(', ')}`);
        if (r.findings.some((f) => order.indexOf(f.severity) >= 0 && order.indexOf(f.severity) <= limit)) process.exitCode = 3;
      }
    });
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('queue a full reconciliation: every host re-matched against the current advisory data (serve also runs one every --reconcile-interval hours)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => api.call<{ queued: boolean }>('POST', '/api/v1/match/reconcile'));
      process.stdout.write('full reconciliation queued: the match worker of a running `mamori serve` performs it\n');
    });
}

function printTable(r: DocumentMatch): void {
  const os = r.os.prettyName || `${r.os.id} ${r.os.versionId}`;
  if (!r.os.supported) {
    process.stdout.write(`${os}: not matched (${r.os.note ?? 'unsupported'})\n`);
    return;
  }
  const eol = r.os.endOfLife !== null && r.os.endOfLife < new Date().toISOString().slice(0, 10) ? ` — end of life since ${r.os.endOfLife}` : '';
  process.stdout.write(
    `${os} (matched as ${r.os.matchedAs?.distro ?? ''} ${r.os.matchedAs?.release ?? ''})${eol}: ${r.findings.length} findings` +
      `${r.rebootRequired ? ', reboot required (newer kernel installed)' : ''}\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['VULNERABILITY', 'SEVERITY', 'PACKAGE', 'INSTALLED', 'FIXED', 'STATE', 'ADVISORIES'],
      r.findings.map((f) => [f.vulnerability, f.severity, f.package, f.installedVersion, f.fixedVersion ?? '-', f.fixState, f.advisories.join(' ')]),
    )}\n`,
  );
  if (r.remediation !== null) process.stdout.write(`\nTo apply the available fixes: ${r.remediation}\n`);
  for (const p of r.problems) process.stdout.write(`warning: ${p}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
