import type { Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import type { ApiClient } from '../local-api.js';
import { withApi } from '../local-api.js';
import { formatDate, formatTable, printJson } from '../output.js';

interface HostView {
  id: string;
  hostname: string;
  fqdn: string | null;
  machineId: string;
  os: { id: string; versionId: string; prettyName: string } | null;
  arch: string | null;
  kernel: { release: string | null };
  packageCount: number;
  unparsedCount: number;
  lastReportAt: string | null;
  lastChangeAt: string | null;
  syncState: string;
  lastMatchedAt: string | null;
  matchStatus: string;
  matchNote: string | null;
  endOfLife: string | null;
  endOfLifeReached: boolean;
  rebootRequired: boolean;
  findingCounts: { critical: number; high: number; medium: number; low: number; negligible: number; unknown: number };
}

/** `C2 H5 M1`: open findings by severity, zeros left out; `-` when none. */
function countsText(c: HostView['findingCounts']): string {
  const parts = (
    [
      ['C', c.critical],
      ['H', c.high],
      ['M', c.medium],
      ['L', c.low],
      ['N', c.negligible],
      ['U', c.unknown],
    ] as const
  )
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}${n}`);
  return parts.length === 0 ? '-' : parts.join(' ');
}

interface PackageView {
  name: string;
  arch: string;
  evr: string;
  sourceName: string | null;
  unparsedReason: string | null;
}

type Globals = { dataDir?: string; databaseUrl?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function listAll(api: ApiClient, q?: string): Promise<HostView[]> {
  const out: HostView[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: '500' });
    if (q !== undefined) params.set('q', q);
    if (cursor !== null) params.set('cursor', cursor);
    const page: { items: HostView[]; nextCursor: string | null } = await api.call('GET', `/api/v1/hosts?${params.toString()}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** A host by id, or by exact hostname / FQDN. */
async function resolveHost(api: ApiClient, ref: string): Promise<HostView> {
  if (UUID.test(ref)) return api.call<HostView>('GET', `/api/v1/hosts/${ref}`);
  const matches = (await listAll(api, ref)).filter((h) => h.hostname === ref || h.fqdn === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new AppError('ERR_NOT_FOUND', `no host named ${ref}`);
  throw new AppError('ERR_CONFLICT', `${matches.length} hosts are named ${ref}; use the id: ${matches.map((h) => h.id).join(', ')}`);
}

export function registerHostsCommand(program: Command): void {
  const hosts = program.command('hosts').description('monitored hosts');

  hosts
    .command('list')
    .description('list hosts with OS, kernel, packages and sync state')
    .option('--search <text>', 'only hosts whose name, FQDN or OS contains this')
    .option('--json', 'print JSON')
    .action(async (opts: { search?: string; json?: boolean }, cmd: Command) => {
      const items = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => listAll(api, opts.search));
      if (opts.json === true) {
        printJson(items);
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['HOSTNAME', 'OS', 'KERNEL', 'PACKAGES', 'SYNC', 'LAST REPORT', 'FINDINGS', 'LAST MATCHED', 'ID'],
          items.map((h) => [
            h.hostname,
            h.os?.prettyName ?? '-',
            h.kernel.release,
            h.packageCount,
            h.syncState,
            formatDate(h.lastReportAt),
            h.matchStatus === 'unsupported' ? 'unsupported' : countsText(h.findingCounts),
            formatDate(h.lastMatchedAt),
            h.id,
          ]),
        )}\n`,
      );
    });

  hosts
    .command('show')
    .description('show one host and its installed packages')
    .argument('<host>', 'host id or hostname')
    .option('--search <text>', 'only packages whose name or source name contains this')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { search?: string; json?: boolean }, cmd: Command) => {
      const { host, packages } = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), async (api) => {
        const h = await resolveHost(api, ref);
        const pkgs: PackageView[] = [];
        let cursor: string | null = null;
        do {
          const params = new URLSearchParams({ limit: '500' });
          if (opts.search !== undefined) params.set('q', opts.search);
          if (cursor !== null) params.set('cursor', cursor);
          const page: { items: PackageView[]; nextCursor: string | null } = await api.call('GET', `/api/v1/hosts/${h.id}/packages?${params.toString()}`);
          pkgs.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null);
        return { host: h, packages: pkgs };
      });
      if (opts.json === true) {
        printJson({ ...host, packages });
        return;
      }
      const lines = [
        `Host:         ${host.hostname}${host.fqdn !== null && host.fqdn !== host.hostname ? ` (${host.fqdn})` : ''}`,
        `ID:           ${host.id}`,
        `Machine ID:   ${host.machineId === '' ? '-' : host.machineId}`,
        `OS:           ${host.os?.prettyName ?? '-'}`,
        `Kernel:       ${host.kernel.release ?? '-'}  ${host.arch ?? ''}`,
        `Packages:     ${host.packageCount}${host.unparsedCount > 0 ? ` (${host.unparsedCount} with unparsable versions)` : ''}`,
        `Sync:         ${host.syncState}, last report ${formatDate(host.lastReportAt)}, last change ${formatDate(host.lastChangeAt)}`,
        `Matching:     ${host.matchStatus}${host.matchNote === null ? '' : ` (${host.matchNote})`}, last matched ${formatDate(host.lastMatchedAt)}`,
        `End of life:  ${host.endOfLife ?? '-'}${host.endOfLifeReached ? ' (reached: no more security updates)' : ''}`,
        `Reboot:       ${host.rebootRequired ? 'required (a newer kernel is installed)' : 'not required'}`,
        `Findings:     ${(['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const).map((k) => `${k} ${host.findingCounts[k]}`).join(', ')}`,
        '',
        formatTable(
          ['PACKAGE', 'VERSION', 'ARCH', 'SOURCE', 'NOTE'],
          packages.map((p) => [p.name, p.evr, p.arch === '' ? '-' : p.arch, p.sourceName, p.unparsedReason === null ? '' : `unparsed: ${p.unparsedReason}`]),
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
