import { InvalidArgumentError, Option, type Command } from 'commander';
import { storageConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import type { ApiClient } from '../local-api.js';
import { withApi } from '../local-api.js';
import { formatDate, formatTable, printJson } from '../output.js';

interface FindingView {
  id: string;
  host: { id: string; hostname: string };
  vulnerability: string;
  advisories: string[];
  package: string;
  arch: string;
  sourcePackage: string;
  installedVersion: string;
  fixedVersion: string | null;
  fixState: string;
  severity: string;
  severityLabel: string | null;
  remediation: string | null;
  sources: string[];
  explanation: { source: string; advisoryId: string; status: string; comparison: string }[];
  state: string;
  firstSeenAt: string;
  lastChangedAt: string;
  resolvedAt: string | null;
  resolution: string | null;
  kev: boolean;
  epss: { score: number; percentile: number } | null;
  cvss: { version: string; vector: string; baseScore: number; source: string } | null;
}

interface FindingDetail extends FindingView {
  history: { kind: string; at: string; fromVersion: string | null; toVersion: string | null; resolution: string | null; cause: string }[];
}

interface VulnerabilityView {
  id: string;
  description: string | null;
  descriptionSource: string | null;
  severity: string;
  published: string | null;
  cvss: { origin: string; advisoryId: string | null; source: string; version: string; vector: string; baseScore: number; type: string | null }[];
  severities: { source: string; advisoryId: string; severity: string; label: string | null }[];
  kev: { vulnerabilityName: string; dateAdded: string; dueDate: string; knownRansomwareCampaignUse: string; requiredAction: string } | null;
  epss: { score: number; percentile: number; date: string | null } | null;
  cwes: string[];
  references: { url: string; sources: string[] }[];
  advisories: { source: string; id: string; title: string | null; severity: string; published: string | null }[];
  fixedVersions: { distro: string; release: string; channel: string | null; package: string; moduleStream: string | null; fixedVersions: string[]; status: string; advisoryId: string }[];
  affectedHosts: { hostId: string; hostname: string; package: string; arch: string; installedVersion: string; fixedVersion: string | null; fixState: string }[];
  openFindings: number;
  affectedHostCount: number;
}

type Globals = { dataDir?: string; databaseUrl?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
const FIX_STATES = ['fixed', 'unfixed', 'will_not_fix', 'fix_deferred'];

/** A host id, by id or exact hostname / FQDN. */
async function resolveHostId(api: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const matches: { id: string; hostname: string; fqdn: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: '500', q: ref });
    if (cursor !== null) params.set('cursor', cursor);
    const page: { items: { id: string; hostname: string; fqdn: string | null }[]; nextCursor: string | null } = await api.call('GET', `/api/v1/hosts?${params.toString()}`);
    matches.push(...page.items.filter((h) => h.hostname === ref || h.fqdn === ref));
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new AppError('ERR_NOT_FOUND', `no host named ${ref}`);
  throw new AppError('ERR_CONFLICT', `${matches.length} hosts are named ${ref}; use the id: ${matches.map((h) => h.id).join(', ')}`);
}

function collect(allowed: readonly string[], what: string) {
  return (value: string, previous: string[] | undefined): string[] => {
    const out = [...(previous ?? [])];
    for (const v of value.split(',').map((x) => x.trim().toLowerCase())) {
      if (!allowed.includes(v)) throw new InvalidArgumentError(`unknown ${what} "${v}" (expected ${allowed.join(', ')})`);
      if (!out.includes(v)) out.push(v);
    }
    return out;
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * Feed and agent text printed to a terminal: control characters (ESC sequences that could
 * move the cursor, retitle or recolour the terminal) removed; newlines and tabs kept.
 */
function printText(text: string): void {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) continue;
    out += ch;
  }
  process.stdout.write(`${out}\n`);
}

/** A table, or `  none` when there are no rows. */
function table(headers: string[], rows: (string | number | null)[][]): string {
  return rows.length === 0 ? '  none' : formatTable(headers, rows);
}

const epssText = (e: FindingView['epss']): string => (e === null ? '-' : `${(e.score * 100).toFixed(2)}%`);
const cvssText = (c: FindingView['cvss']): string => (c === null ? '-' : c.baseScore.toFixed(1));

export function registerFindingsCommand(program: Command): void {
  const findings = program.command('findings').description('vulnerabilities found on hosts');

  findings
    .command('list')
    .description('list findings across the fleet (or one host), most severe first')
    .option('--host <host>', 'only this host (id or hostname)')
    .option('--severity <severity>', `only this severity, repeatable or comma-separated (${SEVERITIES.join(', ')})`, collect(SEVERITIES, 'severity'))
    .option('--fix-state <state>', `only this fix state, repeatable or comma-separated (${FIX_STATES.join(', ')})`, collect(FIX_STATES, 'fix state'))
    .option('--kev', 'only vulnerabilities in the CISA Known Exploited Vulnerabilities catalog')
    .option('--package <name>', 'only this installed or source package')
    .option('--vulnerability <id>', 'only this CVE or advisory id')
    .addOption(new Option('--state <state>', 'open, resolved or all').choices(['open', 'resolved', 'all']).default('open'))
    .option('--limit <n>', 'at most this many findings', positiveInt, 1000)
    .option('--json', 'print JSON')
    .action(
      async (
        opts: { host?: string; severity?: string[]; fixState?: string[]; kev?: boolean; package?: string; vulnerability?: string; state: string; limit: number; json?: boolean },
        cmd: Command,
      ) => {
        const { items, more } = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), async (api) => {
          const params = new URLSearchParams({ state: opts.state });
          for (const s of opts.severity ?? []) params.append('severity', s);
          for (const f of opts.fixState ?? []) params.append('fixState', f);
          if (opts.kev === true) params.set('kev', 'true');
          if (opts.package !== undefined) params.set('package', opts.package);
          if (opts.vulnerability !== undefined) params.set('vulnerability', opts.vulnerability);
          if (opts.host !== undefined) params.set('host', await resolveHostId(api, opts.host));
          const out: FindingView[] = [];
          let cursor: string | null = null;
          do {
            params.set('limit', String(Math.min(500, opts.limit - out.length)));
            if (cursor !== null) params.set('cursor', cursor);
            const page: { items: FindingView[]; nextCursor: string | null } = await api.call('GET', `/api/v1/findings?${params.toString()}`);
            out.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor !== null && out.length < opts.limit);
          return { items: out, more: cursor !== null };
        });
        if (more) process.stderr.write(`showing the first ${items.length} findings; use --limit or filters to see more\n`);
        if (opts.json === true) {
          printJson(items);
          return;
        }
        printText(
          formatTable(
            ['SEVERITY', 'VULNERABILITY', 'HOST', 'PACKAGE', 'INSTALLED', 'FIXED', 'FIX STATE', 'KEV', 'EPSS', 'CVSS', 'STATE', 'ID'],
            items.map((f) => [
              f.severity,
              f.vulnerability,
              f.host.hostname,
              f.package,
              f.installedVersion,
              f.fixedVersion,
              f.fixState,
              f.kev ? 'KEV' : '',
              epssText(f.epss),
              cvssText(f.cvss),
              f.state,
              f.id,
            ]),
          ),
        );
      },
    );

  findings
    .command('show')
    .description('show one finding with its history')
    .argument('<id>', 'finding id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      if (!UUID.test(id)) throw new AppError('ERR_VALIDATION', `not a finding id: ${id}`);
      const f = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) => api.call<FindingDetail>('GET', `/api/v1/findings/${id}`));
      if (opts.json === true) {
        printJson(f);
        return;
      }
      const lines = [
        `Finding:       ${f.id}`,
        `Vulnerability: ${f.vulnerability}${f.kev ? '  [KEV: known exploited]' : ''}`,
        `Host:          ${f.host.hostname} (${f.host.id})`,
        `Package:       ${f.package} ${f.arch}${f.sourcePackage !== f.package ? ` (source ${f.sourcePackage})` : ''}`,
        `Installed:     ${f.installedVersion}`,
        `Fixed in:      ${f.fixedVersion ?? '-'} (${f.fixState})`,
        `Severity:      ${f.severity}${f.severityLabel !== null ? ` (${f.severityLabel})` : ''}`,
        `CVSS:          ${f.cvss === null ? '-' : `${f.cvss.baseScore.toFixed(1)} ${f.cvss.vector} (${f.cvss.source})`}`,
        `EPSS:          ${f.epss === null ? '-' : `${epssText(f.epss)} (percentile ${(f.epss.percentile * 100).toFixed(1)})`}`,
        `Advisories:    ${f.advisories.length === 0 ? '-' : f.advisories.join(', ')}`,
        `Sources:       ${f.sources.join(', ')}`,
        `State:         ${f.state}${f.resolution !== null ? ` (${f.resolution} ${formatDate(f.resolvedAt)})` : ''}`,
        `First seen:    ${formatDate(f.firstSeenAt)}, last changed ${formatDate(f.lastChangedAt)}`,
        `Remediation:   ${f.remediation ?? '-'}`,
        '',
        'Explanation:',
        table(
          ['SOURCE', 'ADVISORY', 'STATUS', 'COMPARISON'],
          f.explanation.map((e) => [e.source, e.advisoryId, e.status, e.comparison]),
        ),
        '',
        'History:',
        table(
          ['AT', 'EVENT', 'FROM', 'TO', 'RESOLUTION', 'CAUSE'],
          f.history.map((h) => [formatDate(h.at), h.kind, h.fromVersion, h.toVersion, h.resolution, h.cause]),
        ),
      ];
      printText(lines.join('\n'));
    });
}

export function registerVulnCommand(program: Command): void {
  const vuln = program.command('vuln').description('vulnerabilities (CVEs and advisories)');
  vuln
    .command('show')
    .description('show what is known about a CVE or advisory id, and the hosts it affects')
    .argument('<id>', 'CVE-… or advisory id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const v = await withApi(storageConfig(cmd.optsWithGlobals<Globals>()), (api) =>
        api.call<VulnerabilityView>('GET', `/api/v1/vulnerabilities/${encodeURIComponent(id)}`),
      );
      if (opts.json === true) {
        printJson(v);
        return;
      }
      const vendors = [...new Set(v.severities.map((s) => `${s.source}: ${s.label ?? s.severity}`))];
      const lines = [
        `Vulnerability: ${v.id}`,
        `Severity:      ${v.severity}${vendors.length > 0 ? ` (${vendors.join(', ')})` : ''}`,
        `Published:     ${v.published ?? '-'}`,
        `CWE:           ${v.cwes.length === 0 ? '-' : v.cwes.join(', ')}`,
        `KEV:           ${
          v.kev === null
            ? 'no'
            : `yes, added ${v.kev.dateAdded}, due ${v.kev.dueDate}, ransomware use ${v.kev.knownRansomwareCampaignUse}\n               ${v.kev.requiredAction}`
        }`,
        `EPSS:          ${v.epss === null ? '-' : `${(v.epss.score * 100).toFixed(2)}% (percentile ${(v.epss.percentile * 100).toFixed(1)}${v.epss.date === null ? '' : `, ${v.epss.date.slice(0, 10)}`})`}`,
        '',
        v.description ?? '(no description)',
        ...(v.descriptionSource === null ? [] : [`  — ${v.descriptionSource}`]),
        '',
        'CVSS:',
        table(
          ['ORIGIN', 'SCORED BY', 'VERSION', 'SCORE', 'VECTOR'],
          v.cvss.map((c) => [c.advisoryId === null ? c.origin : `${c.origin} ${c.advisoryId}`, c.source, c.version, c.baseScore.toFixed(1), c.vector]),
        ),
        '',
        'Advisories:',
        table(
          ['SOURCE', 'ID', 'SEVERITY', 'PUBLISHED', 'TITLE'],
          v.advisories.map((a) => [a.source, a.id, a.severity, a.published, a.title]),
        ),
        '',
        'Fixed versions:',
        table(
          ['DISTRO', 'RELEASE', 'PACKAGE', 'FIXED', 'STATUS', 'ADVISORY'],
          v.fixedVersions.map((r) => [
            r.distro,
            r.channel === null ? r.release : `${r.release} (${r.channel})`,
            r.moduleStream === null ? r.package : `${r.package} [${r.moduleStream}]`,
            r.fixedVersions.length === 0 ? null : r.fixedVersions.join(', '),
            r.status,
            r.advisoryId,
          ]),
        ),
        '',
        `Affected hosts: ${v.affectedHostCount} (${v.openFindings} open finding${v.openFindings === 1 ? '' : 's'}${v.affectedHosts.length < v.openFindings ? `, first ${v.affectedHosts.length} shown` : ''})`,
        table(
          ['HOST', 'PACKAGE', 'INSTALLED', 'FIXED', 'FIX STATE'],
          v.affectedHosts.map((h) => [h.hostname, `${h.package} ${h.arch}`, h.installedVersion, h.fixedVersion, h.fixState]),
        ),
        '',
        'References:',
        ...(v.references.length === 0 ? ['  none'] : v.references.map((r) => `  ${r.url}`)),
      ];
      printText(lines.join('\n'));
    });
}
