/**
 * `mamori findings list|show` and `mamori vuln show` on an embedded data directory: one
 * spawned process for the JSON output, the text output in-process through `main()`.
 */
import { applyHostChanges, saveHostMatch } from '../helpers/findings.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { main } from '../../src/cli/main.js';
import { createContext } from '../../src/context.js';
import { openDatabase } from '../../src/db/client.js';
import { pgliteDir } from '../../src/db/data-dir.js';
import { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { runCli } from '../helpers/cli.js';
import { HAS_SHARED_DATA } from '../helpers/shared-data.js';
import { FEED_FILES, addHost, finding } from './fixtures.js';

let dataDir: string;
let findingId: string;
let escapeFindingId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mamori-findings-cli-'));
  const database = await openDatabase({ dataDir: pgliteDir(dataDir) });
  try {
    const clock = fixedClock('2026-11-25T09:00:00Z');
    const ctx = createContext(database, { clock });
    if (HAS_SHARED_DATA) await new FeedImportService(ctx.repos, clock).importSource('kev', FEED_FILES.kev.map((path) => ({ path })));
    const hostId = await addHost(ctx.repos, database.db, 'web01', { id: 'almalinux', versionId: '8.8', prettyName: 'AlmaLinux 8.8' });
    await applyHostChanges(ctx.repos.matching, 
      hostId,
      [
        finding({ vulnerability: 'CVE-2023-4863', package: 'libwebp', installedVersion: '1.0.0-5.el8', fixedVersion: '1.0.0-8.el8_8.1', severity: 'high', advisories: ['ALSA-2023:5309'] }),
        finding({
          vulnerability: 'CVE-2023-0464',
          package: 'openssl-libs',
          installedVersion: '1:1.1.1k-7.el8_6',
          severity: 'low',
          // feed text with terminal escape sequences (retitle, clear screen)
          explanation: [{ source: 'osv:AlmaLinux', advisoryId: 'ALSA-2023:0000', status: 'affected', comparison: '\u001b]0;pwned\u0007no fix\u001b[2J' }],
        }),
      ].map((f) => ({ kind: 'open' as const, finding: f })),
      clock.now(),
      'inventory 1',
    );
    const r = await database.db.selectFrom('findings').select('id').where('package_name', '=', 'libwebp').executeTakeFirstOrThrow();
    findingId = r.id;
    escapeFindingId = (await database.db.selectFrom('findings').select('id').where('package_name', '=', 'openssl-libs').executeTakeFirstOrThrow()).id;
    await saveHostMatch(database.db, ctx.repos.matching, hostId, { distro: 'almalinux', release: '8', status: 'ok', note: null, endOfLife: '2029-03-01', rebootRequired: false, at: clock.now() });
  } finally {
    await database.close();
  }
}, 120_000);

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `mamori ARGS --data-dir DIR` in this process; stdout and the exit code. */
async function mamori(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'mamori', ...args, '--data-dir', dataDir]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('mamori findings', () => {
  it('findings list --json prints the fleet’s findings (spawned CLI)', async () => {
    const r = await runCli(['findings', 'list', '--json', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as { id: string; vulnerability: string; severity: string; host: { hostname: string }; kev: boolean }[];
    expect(items.map((f) => `${f.severity} ${f.vulnerability} ${f.host.hostname}`)).toEqual(['high CVE-2023-4863 web01', 'low CVE-2023-0464 web01']);
    expect(items[0]?.kev).toBe(HAS_SHARED_DATA);
  });

  it('findings list filters by host name, severity, fix state and KEV, as a table', async () => {
    const r = await mamori('findings', 'list', '--host', 'web01', '--severity', 'high', '--severity', 'critical', '--fix-state', 'fixed');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+VULNERABILITY\s+HOST\s+PACKAGE\s+INSTALLED\s+FIXED\s+FIX STATE\s+KEV\s+EPSS\s+CVSS\s+STATE\s+ID$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(new RegExp(`^high\\s+CVE-2023-4863\\s+web01\\s+libwebp\\s+1\\.0\\.0-5\\.el8\\s+1\\.0\\.0-8\\.el8_8\\.1\\s+fixed\\s+${HAS_SHARED_DATA ? 'KEV' : ''}\\s+-\\s+-\\s+open\\s+${findingId}$`));
    if (HAS_SHARED_DATA) expect((await mamori('findings', 'list', '--kev', '--json')).stdout).not.toContain('CVE-2023-0464');
    expect((await mamori('findings', 'list', '--state', 'resolved')).stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown severity or host', async () => {
    const bad = await mamori('findings', 'list', '--severity', 'severe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown severity "severe"');
    const nohost = await mamori('findings', 'list', '--host', 'nope01');
    expect(nohost).toMatchObject({ code: 1, stderr: 'error: no host named nope01 (ERR_NOT_FOUND)\n' });
  });

  it('findings show prints the finding with its history', async () => {
    const r = await mamori('findings', 'show', findingId);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Vulnerability: CVE-2023-4863');
    expect(r.stdout).toContain('Fixed in:      1.0.0-8.el8_8.1 (fixed)');
    expect(r.stdout).toMatch(/History:\nAT\s+EVENT\s+FROM\s+TO\s+RESOLUTION\s+CAUSE\n2026-11-25 09:00:00Z\s+opened\s+-\s+1\.0\.0-5\.el8\s+-\s+inventory 1\n/);
    const json = JSON.parse((await mamori('findings', 'show', findingId, '--json')).stdout) as { history: { kind: string }[] };
    expect(json.history.map((h) => h.kind)).toEqual(['opened']);
    expect((await mamori('findings', 'show', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
  });

  it('prints feed text without terminal control characters', async () => {
    const r = await mamori('findings', 'show', escapeFindingId);
    expect(r.stdout).toContain(']0;pwnedno fix[2J');
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).not.toContain('\u0007');
    // JSON keeps the data as stored
    expect((await mamori('findings', 'show', escapeFindingId, '--json')).stdout).toContain('\\u001b]0;pwned');
  });

  it('vuln show prints what is known about a CVE and the hosts it affects', async () => {
    const r = await mamori('vuln', 'show', 'CVE-2023-4863');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Vulnerability: CVE-2023-4863');
    expect(r.stdout).toMatch(/Affected hosts: 1 \(1 open finding\)\nHOST\s+PACKAGE\s+INSTALLED\s+FIXED\s+FIX STATE\nweb01\s+libwebp x86_64\s+1\.0\.0-5\.el8/);
    if (HAS_SHARED_DATA) expect(r.stdout).toContain('KEV:           yes, added 2023-09-13, due 2023-10-04');
    const missing = await mamori('vuln', 'show', 'CVE-2099-0001');
    expect(missing).toMatchObject({ code: 1, stderr: 'error: nothing is known about CVE-2099-0001 (ERR_NOT_FOUND)\n' });
  });

  it('hosts list and show include the match state and counts by severity', async () => {
    const list = await mamori('hosts', 'list');
    expect(list.stdout).toMatch(/FINDINGS\s+LAST MATCHED/);
    expect(list.stdout).toMatch(/\sH1 L1\s+2026-11-25 09:00:00Z\s/);
    const show = await mamori('hosts', 'show', 'web01');
    expect(show.stdout).toContain('Findings:     critical 0, high 1, medium 0, low 1, negligible 0, unknown 0');
    expect(show.stdout).toContain('End of life:  2029-03-01\n');
  });
});
