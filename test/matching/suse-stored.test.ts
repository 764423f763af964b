/**
 * SUSE hosts on the stored path: the real SUSE OVAL excerpt imported, SUSE inventories
 * ingested (the built SLE 15 hosts of test/golden/sle15-suse-oval and the shared Vuls SLES 12,
 * openSUSE Leap and Tumbleweed results), match jobs drained by the worker. A SUSE host is
 * matched (no longer "no advisory data"), and a feed update under a SLES module key re-matches
 * the SLED host that sees it.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createContext, type Context } from '../../src/context.js';
import type { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { MatchWorker } from '../../src/jobs/match.worker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const GOLDEN = new URL('../golden/sle15-suse-oval/', import.meta.url).pathname;
const EXCERPT = join(SHARED_DATA, 'suse/oval/suse-oval-excerpt.xml');

const agentDoc = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(GOLDEN, `${name}.inventory.json`), 'utf8')) as Record<string, unknown>;
const vulsDoc = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results', `${name}.json`), 'utf8')) as Record<string, unknown>;

describe.skipIf(!HAS_SHARED_DATA)('SUSE hosts on the stored path', () => {
  let db: TestDatabase;
  let ctx: Context;
  let feeds: FeedImportService;
  let worker: MatchWorker;
  let feedDir: string;
  const clock = fixedClock('2021-06-01T09:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    ctx = createContext(db, { clock });
    feeds = ctx.deps.feeds;
    worker = new MatchWorker(ctx.repos.matchJobs, ctx.deps.matching, silent);
    feedDir = mkdtempSync(join(tmpdir(), 'mamori-suse-'));
    copyFileSync(EXCERPT, join(feedDir, 'suse-oval-excerpt.xml'));
    const r = await feeds.importPaths([feedDir]);
    expect(r.sources.map((s) => [s.sourceId, s.ok])).toEqual([['suse-oval', true]]);
  });
  afterAll(async () => {
    await db.close();
    rmSync(feedDir, { recursive: true, force: true });
  });

  async function report(doc: unknown): Promise<string> {
    clock.advance(3600_000);
    const s = await ctx.deps.ingest.ingestUpload(structuredClone(doc), 'test');
    await worker.drain();
    return s.hostId;
  }

  const hostState = (hostId: string) =>
    db.db
      .selectFrom('hosts')
      .select(['match_status', 'match_note', 'match_distro', 'match_release', 'end_of_life', 'reboot_required', 'finding_counts'])
      .where('id', '=', hostId)
      .executeTakeFirstOrThrow();

  const findings = (hostId: string) =>
    db.db
      .selectFrom('findings')
      .select(['vulnerability', 'package_name', 'state', 'installed_version', 'fixed_version', 'fix_state', 'severity', 'sources', 'remediation', 'resolution'])
      .where('host_id', '=', hostId)
      .orderBy('vulnerability')
      .orderBy('package_name')
      .execute();

  it('matches a SLES for SAP 15 host against the SUSE data: its finding, end of support and reboot', async () => {
    const hostId = await report(agentDoc('sles_sap-15'));
    expect(await hostState(hostId)).toEqual({
      match_status: 'ok',
      match_note: null,
      match_distro: 'sles_sap',
      match_release: '15',
      end_of_life: '2019-12-31',
      reboot_required: true,
      finding_counts: { high: 1 },
    });
    expect(await findings(hostId)).toEqual([
      {
        vulnerability: 'CVE-2021-29154',
        package_name: 'kernel-default',
        state: 'open',
        installed_version: '4.12.14-150.66.1',
        fixed_version: '4.12.14-150.72.1',
        fix_state: 'fixed',
        severity: 'high',
        sources: ['suse-oval'],
        remediation: 'zypper refresh && zypper update kernel-default',
        resolution: null,
      },
    ]);
    const host = await ctx.repos.hosts.findById(hostId);
    expect(await ctx.deps.findings.hostRemediation(host!)).toBe('zypper refresh && zypper update kernel-default');

    // Rebooted into the fixed kernel (the running kernel changed: a full re-match): resolved.
    const rebooted = agentDoc('sles_sap-15');
    (rebooted.host as Record<string, unknown>).kernelRelease = '4.12.14-150.72-default';
    await report(rebooted);
    expect((await findings(hostId)).map((f) => [f.vulnerability, f.state, f.resolution])).toEqual([['CVE-2021-29154', 'resolved', 'fixed']]);
    expect(await hostState(hostId)).toMatchObject({ reboot_required: false, finding_counts: {} });
  });

  it.each([
    ['sles12', 'sles', '12.5', '2024-10-31'],
    ['opensuse_leap_15', 'opensuse-leap', '15.3', '2022-12-31'],
    ['opensuse_leap_16_kernel-default-base', 'opensuse-leap', '16.0', '2027-10-31'],
    ['opensuse_tumbleweed', 'opensuse-tumbleweed', 'rolling', null],
  ])('the shared Vuls inventory %s is matched as %s %s (the excerpt has no rows for it)', async (name, distro, release, endOfLife) => {
    const hostId = await report(vulsDoc(name));
    expect(await hostState(hostId)).toMatchObject({ match_status: 'ok', match_note: null, match_distro: distro, match_release: release, end_of_life: endOfLife, reboot_required: false });
    expect(await findings(hostId)).toEqual([]);
  });

  it('a feed update under a SLES module key re-matches the SLED host that sees it; a full reconciliation agrees', async () => {
    const sled = await report(agentDoc('sled-15'));
    const sles = await report(agentDoc('sles-15'));
    expect(await hostState(sled)).toMatchObject({ match_status: 'ok', match_distro: 'sled', match_release: '15', end_of_life: '2019-12-31', finding_counts: {} });
    expect(await findings(sled)).toEqual([]);

    // SUSE moves the krb5-server fix of SLE 15 (rows: SLES, SLES for SAP, HPC, Server Applications module) to a
    // later build. SLED has no krb5-server row of its own: the host sees it through the SLES 15 module row only.
    const file = join(feedDir, 'suse-oval-excerpt.xml');
    const text = readFileSync(file, 'utf8');
    const changed = text.replace('comment="krb5-server-1.15.2-4.25 is installed"', 'comment="krb5-server-1.15.2-4.26 is installed"');
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    const imported = await feeds.importPaths([feedDir]);
    expect(imported.sources[0]).toMatchObject({ ok: true });
    const importId = (imported.sources[0] as { summary: { importId: string } }).summary.importId;
    const keys = await db.db.selectFrom('feed_key_changes').select(['distro', 'release', 'package_name']).where('import_id', '=', importId).orderBy('distro').execute();
    expect(keys).toEqual([
      { distro: 'sle_hpc', release: '15', package_name: 'krb5-server' },
      { distro: 'sles', release: '15', package_name: 'krb5-server' },
      { distro: 'sles_sap', release: '15', package_name: 'krb5-server' },
    ]);
    await worker.drain();

    expect(await findings(sled)).toEqual([
      {
        vulnerability: 'CVE-2010-1323',
        package_name: 'krb5-server',
        state: 'open',
        installed_version: '1.15.2-4.25',
        fixed_version: '1.15.2-4.26',
        fix_state: 'fixed',
        severity: 'medium',
        sources: ['suse-oval'],
        remediation: 'zypper refresh && zypper update krb5-server',
        resolution: null,
      },
    ]);
    // The SLES 15 host has no krb5-server: unchanged.
    expect(await findings(sles)).toEqual([]);

    const before = await db.db.selectFrom('findings').selectAll().orderBy('id').execute();
    const summaries = await ctx.deps.matching.reconcileAll();
    expect(summaries.filter((s) => s.opened + s.resolved + s.reopened + s.updated > 0)).toEqual([]);
    expect(await db.db.selectFrom('findings').selectAll().orderBy('id').execute()).toEqual(before);
  });

  it('matches a SUSE document without storing it (mamori match --inventory)', async () => {
    const r = await ctx.deps.matching.matchDocument(agentDoc('sles_sap-15'));
    expect(r.os).toMatchObject({ id: 'sles_sap', supported: true, matchedAs: { distro: 'sles_sap', release: '15' }, endOfLife: '2019-12-31', note: null });
    expect(r.findings.map((f) => [f.vulnerability, f.package, f.fixedVersion])).toEqual([['CVE-2021-29154', 'kernel-default', '4.12.14-150.72.1']]);
    expect(r.rebootRequired).toBe(true);
  });
});
