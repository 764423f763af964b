/**
 * The read side of findings through the HTTP API (inject), on a real database: hosts and
 * findings written through the real repositories, the knowledge base imported from the
 * real shared KEV, NVD, EPSS and AlmaLinux 8 OSV files.
 */
import { applyHostChanges, findingId, saveHostMatch } from '../helpers/findings.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { HAS_SHARED_DATA } from '../helpers/shared-data.js';
import { addHost, finding, importFeeds } from './fixtures.js';

interface Item {
  id: string;
  host: { id: string; hostname: string };
  vulnerability: string;
  package: string;
  severity: string;
  fixState: string;
  state: string;
  installedVersion: string;
  fixedVersion: string | null;
  kev: boolean;
  epss: { score: number; percentile: number } | null;
  cvss: { version: string; vector: string; baseScore: number; source: string } | null;
}
interface PageReply {
  items: Item[];
  nextCursor: string | null;
}

const RANK = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;

let t: TestApp;
const ids: Record<string, string> = {};
let historyFinding: string;
const T0 = new Date('2026-11-20T09:00:00Z');
const at = (hours: number): Date => new Date(T0.getTime() + hours * 3600_000);

/** GET as the local CLI (an admin) unless other headers are given. */
function get(url: string, headers: Record<string, string> = t.local) {
  return t.app.inject({ method: 'GET', url, headers });
}

beforeAll(async () => {
  t = await createTestApp();
  const repos = t.ctx.repos;
  const m = repos.matching;
  if (HAS_SHARED_DATA) await importFeeds(repos, t.clock);

  ids.alma = await addHost(repos, t.db.db, 'alma01', { id: 'almalinux', versionId: '8.8', prettyName: 'AlmaLinux 8.8 (Sapphire Caracal)' });
  ids.deb = await addHost(repos, t.db.db, 'deb01', { id: 'debian', versionId: '10', prettyName: 'Debian GNU/Linux 10 (buster)', codename: 'buster' });
  ids.bulk = await addHost(repos, t.db.db, 'bulk01', { id: 'almalinux', versionId: '8.8', prettyName: 'AlmaLinux 8.8' });
  ids.fresh = await addHost(repos, t.db.db, 'fresh01', null);

  await applyHostChanges(m, 
    ids.alma,
    [
      finding({
        vulnerability: 'CVE-2023-4863',
        package: 'firefox',
        installedVersion: '102.10.0-1.el8_7.alma',
        fixedVersion: '102.15.1-1.el8_8.alma',
        severity: 'high',
        severityLabel: 'Important',
        advisories: ['ALSA-2023:5184'],
        remediation: 'dnf upgrade --advisory=ALSA-2023:5184',
      }),
      finding({
        vulnerability: 'CVE-2023-4863',
        package: 'libwebp',
        installedVersion: '1.0.0-5.el8',
        fixedVersion: '1.0.0-8.el8_8.1',
        severity: 'high',
        severityLabel: 'Important',
        advisories: ['ALSA-2023:5309'],
        remediation: 'dnf upgrade --advisory=ALSA-2023:5309',
      }),
      finding({ vulnerability: 'CVE-2022-34668', package: 'python3-nvflare', arch: 'noarch', installedVersion: '2.1.0-1.el8', severity: 'critical' }),
      finding({ vulnerability: 'CVE-2016-1585', package: 'apparmor', installedVersion: '2.13.3-1.el8', severity: 'medium', fixState: 'will_not_fix' }),
      finding({ vulnerability: 'CVE-2023-0464', package: 'openssl-libs', installedVersion: '1:1.1.1k-7.el8_6', fixedVersion: '1:1.1.1k-9.el8_7', severity: 'low', advisories: ['ALSA-2023:3722'] }),
    ].map((f) => ({ kind: 'open' as const, finding: f })),
    at(0),
    'inventory 11111111-1111-4111-8111-111111111111',
  );
  // one finding's whole life: updated, resolved by a fix, reopened by a downgrade
  historyFinding = await findingId(t.db.db, ids.alma, 'CVE-2023-0464', 'openssl-libs');
  const ossl = (installedVersion: string) =>
    finding({ vulnerability: 'CVE-2023-0464', package: 'openssl-libs', installedVersion, fixedVersion: '1:1.1.1k-9.el8_7', severity: 'low', advisories: ['ALSA-2023:3722'] });
  await applyHostChanges(m, ids.alma, [{ kind: 'update', id: historyFinding, finding: ossl('1:1.1.1k-8.el8_6'), fromVersion: '1:1.1.1k-7.el8_6' }], at(1), 'inventory a');
  await applyHostChanges(m, ids.alma, [{ kind: 'resolve', id: historyFinding, resolution: 'fixed', fromVersion: '1:1.1.1k-8.el8_6', toVersion: '1:1.1.1k-9.el8_7' }], at(2), 'inventory b');
  await applyHostChanges(m, ids.alma, [{ kind: 'reopen', id: historyFinding, finding: ossl('1:1.1.1k-8.el8_6'), fromVersion: '1:1.1.1k-9.el8_7' }], at(3), 'inventory c');
  // and one that stays resolved
  await applyHostChanges(m, ids.alma, [{ kind: 'open', finding: finding({ vulnerability: 'CVE-2021-3712', package: 'compat-openssl10', installedVersion: '1:1.0.2o-3.el8', fixedVersion: '1:1.0.2o-4.el8_6', severity: 'medium', advisories: ['ALSA-2022:1234'] }) }], at(0), 'inventory x');
  await applyHostChanges(m, 
    ids.alma,
    [{ kind: 'resolve', id: await findingId(t.db.db, ids.alma, 'CVE-2021-3712', 'compat-openssl10'), resolution: 'removed', fromVersion: '1:1.0.2o-3.el8', toVersion: null }],
    at(4),
    'inventory d',
  );
  await saveHostMatch(t.db.db, m, ids.alma, { distro: 'almalinux', release: '8', status: 'ok', note: null, endOfLife: '2029-03-01', rebootRequired: true, at: at(4) });

  await applyHostChanges(m, 
    ids.deb,
    [
      finding({
        vulnerability: 'CVE-2023-4863',
        package: 'libwebp6',
        sourcePackage: 'libwebp',
        arch: 'amd64',
        installedVersion: '0.6.1-2+deb10u1',
        fixedVersion: '0.6.1-2+deb10u3',
        severity: 'high',
        advisories: ['DLA-3570-1'],
        sources: ['debian-tracker'],
      }),
      finding({ vulnerability: 'CVE-2016-1585', package: 'apparmor', arch: 'amd64', installedVersion: '2.13.2-10', severity: 'low', sources: ['debian-tracker'] }),
    ].map((f) => ({ kind: 'open' as const, finding: f })),
    at(0),
    'inventory deb',
  );
  await saveHostMatch(t.db.db, m, ids.deb, { distro: 'debian', release: '10', status: 'ok', note: null, endOfLife: '2024-06-30', rebootRequired: false, at: at(5) });

  // 42 findings of every severity, open and resolved, for paging
  const bulk = Array.from({ length: 42 }, (_, i) =>
    finding({ vulnerability: `CVE-2024-${String(10000 + i)}`, package: `pkg${String(i % 7)}`, installedVersion: '1.0-1.el8', severity: SEVERITIES[i % 6]! }),
  );
  await applyHostChanges(m, ids.bulk, bulk.map((f) => ({ kind: 'open' as const, finding: f })), at(0), 'inventory bulk');
  const toResolve = await t.db.db.selectFrom('findings').select(['id', 'installed_version']).where('host_id', '=', ids.bulk).orderBy('vulnerability').execute();
  await applyHostChanges(m, 
    ids.bulk,
    toResolve.filter((_, i) => i % 3 === 0).map((r) => ({ kind: 'resolve' as const, id: r.id, resolution: 'fixed' as const, fromVersion: r.installed_version, toVersion: '1.0-2.el8' })),
    at(1),
    'inventory bulk 2',
  );
  await saveHostMatch(t.db.db, m, ids.bulk, { distro: 'almalinux', release: '8', status: 'ok', note: null, endOfLife: '2029-03-01', rebootRequired: false, at: at(1) });
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe('authentication', () => {
  it('refuses every findings endpoint without a signed-in user', async () => {
    for (const url of [`/api/v1/hosts/${ids.alma!}/findings`, '/api/v1/findings', `/api/v1/findings/${historyFinding}`, '/api/v1/vulnerabilities/CVE-2023-4863']) {
      const r = await get(url, {});
      expect(r.statusCode, url).toBe(401);
      expect(r.json<{ code: string }>().code).toBe('ERR_UNAUTHENTICATED');
    }
  });

  it('serves a viewer signed in with a token', async () => {
    await t.ctx.deps.auth.ensureAdmin('correct horse battery staple');
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'correct horse battery staple' } });
    const token = login.json<{ token: string }>().token;
    expect((await get(`/api/v1/findings`, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });
});

describe('GET /api/v1/hosts/:id/findings', () => {
  it('lists open findings most severe first, with versions, fix state, history dates and the host remediation', async () => {
    const res = await get(`/api/v1/hosts/${ids.alma!}/findings`);
    expect(res.statusCode).toBe(200);
    const r = { body: res.json<PageReply & { host: { id: string; hostname: string }; remediation: string | null }>() };
    expect(r.body.host).toEqual({ id: ids.alma, hostname: 'alma01' });
    expect(r.body.items.map((f) => `${f.severity} ${f.vulnerability} ${f.package}`)).toEqual([
      'critical CVE-2022-34668 python3-nvflare',
      'high CVE-2023-4863 firefox',
      'high CVE-2023-4863 libwebp',
      'medium CVE-2016-1585 apparmor',
      'low CVE-2023-0464 openssl-libs',
    ]);
    expect(r.body.items[1]).toMatchObject({
      host: { id: ids.alma, hostname: 'alma01' },
      installedVersion: '102.10.0-1.el8_7.alma',
      fixedVersion: '102.15.1-1.el8_8.alma',
      fixState: 'fixed',
      severityLabel: 'Important',
      advisories: ['ALSA-2023:5184'],
      sources: ['osv:AlmaLinux'],
      explanation: [{ source: 'osv:AlmaLinux', advisoryId: 'ALSA-2023:5184', status: 'fixed', comparison: '102.10.0-1.el8_7.alma < 102.15.1-1.el8_8.alma (rpm)' }],
      remediation: 'dnf upgrade --advisory=ALSA-2023:5184',
      state: 'open',
      firstSeenAt: at(0).toISOString(),
      lastChangedAt: at(0).toISOString(),
      resolvedAt: null,
      resolution: null,
    });
    expect(r.body.items[4]).toMatchObject({ firstSeenAt: at(0).toISOString(), lastChangedAt: at(3).toISOString(), installedVersion: '1:1.1.1k-8.el8_6' });
    // every fixable open finding, one dnf command (AlmaLinux 8 upgrades by advisory)
    expect(r.body.remediation).toBe('dnf upgrade --advisory=ALSA-2023:3722 --advisory=ALSA-2023:5184 --advisory=ALSA-2023:5309');
  });

  it('gives the distribution’s command: apt-get on Debian, none when nothing is fixable or the OS is unknown', async () => {
    const deb = (await get(`/api/v1/hosts/${ids.deb!}/findings`)).json<{ remediation: string | null }>();
    expect(deb.remediation).toBe('apt-get update && apt-get install --only-upgrade libwebp6');
    const fresh = await get(`/api/v1/hosts/${ids.fresh!}/findings`);
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toEqual({ host: { id: ids.fresh, hostname: 'fresh01' }, remediation: null, items: [], nextCursor: null });
  });

  it('filters by state, severity (repeated), fix state and package name', async () => {
    const list = async (qs: string) => (await get(`/api/v1/hosts/${ids.alma!}/findings?${qs}`)).json<PageReply>().items.map((f) => `${f.vulnerability} ${f.package} ${f.state}`);
    expect(await list('state=resolved')).toEqual(['CVE-2021-3712 compat-openssl10 resolved']);
    expect(await list('state=all')).toHaveLength(6);
    expect(await list('severity=critical&severity=low')).toEqual(['CVE-2022-34668 python3-nvflare open', 'CVE-2023-0464 openssl-libs open']);
    expect(await list('fixState=unfixed&fixState=will_not_fix')).toEqual(['CVE-2022-34668 python3-nvflare open', 'CVE-2016-1585 apparmor open']);
    expect(await list('q=WEBP')).toEqual(['CVE-2023-4863 libwebp open']);
    expect(await list('q=%25')).toEqual([]);
    const resolved = (await get(`/api/v1/hosts/${ids.alma!}/findings?state=resolved`)).json<PageReply>().items[0];
    expect(resolved).toMatchObject({ resolvedAt: at(4).toISOString(), resolution: 'removed' });
  });

  it('pages by severity and identity without gaps or repeats', async () => {
    const all = (await get(`/api/v1/hosts/${ids.bulk!}/findings?state=all&limit=500`)).json<PageReply>().items;
    expect(all).toHaveLength(42);
    const seen: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: PageReply = (await get(`/api/v1/hosts/${ids.bulk!}/findings?state=all&limit=5${cursor === null ? '' : `&cursor=${cursor}`}`)).json<PageReply>();
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(9);
    expect(seen.map((f) => f.id)).toEqual(all.map((f) => f.id));
    const key = (f: Item) => [RANK.indexOf(f.severity), f.vulnerability];
    expect(seen.map(key)).toEqual([...seen].sort((a, b) => RANK.indexOf(a.severity) - RANK.indexOf(b.severity) || (a.vulnerability < b.vulnerability ? -1 : 1)).map(key));
  });

  it('answers 404 for an unknown host and 400 for a bad cursor or filter', async () => {
    const r = await get('/api/v1/hosts/00000000-0000-4000-8000-000000000000/findings');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect((await get(`/api/v1/hosts/${ids.alma!}/findings?cursor=bm9wZQ`)).json<{ code: string }>().code).toBe('ERR_VALIDATION');
    expect((await get(`/api/v1/hosts/${ids.alma!}/findings?severity=severe`)).statusCode).toBe(400);
    expect((await get(`/api/v1/hosts/${ids.alma!}/findings?state=closed`)).statusCode).toBe(400);
  });
});

describe.skipIf(!HAS_SHARED_DATA)('KEV, EPSS and CVSS on findings (imported from the shared feed files)', () => {
  it('joins each finding’s CVE with the KEV catalog, its EPSS score and NVD’s highest CVSS', async () => {
    const items = (await get(`/api/v1/hosts/${ids.alma!}/findings`)).json<PageReply>().items;
    const by = (pkg: string) => items.find((f) => f.package === pkg)!;
    expect(by('firefox')).toMatchObject({ kev: true, epss: null, cvss: null });
    expect(by('python3-nvflare')).toMatchObject({
      kev: false,
      epss: { score: 0.00311, percentile: 0.70519 },
      cvss: { version: '3.1', baseScore: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'psirt@nvidia.com' },
    });
    // NVD scores CVE-2016-1585 9.8 (3.1), 3.9 (3.0, Ubuntu) and 7.5 (2.0): the highest wins
    expect(by('apparmor')).toMatchObject({ kev: false, epss: null, cvss: { version: '3.1', baseScore: 9.8, source: 'nvd@nist.gov' } });
    expect(by('openssl-libs')).toMatchObject({ kev: false, epss: null, cvss: null });
  });
});

describe('GET /api/v1/findings', () => {
  const list = async (qs: string) => (await get(`/api/v1/findings?limit=500&${qs}`)).json<PageReply>().items;

  it('lists open findings fleet-wide, critical first then by id, each with its host', async () => {
    const items = await list('');
    const open = await t.db.db.selectFrom('findings').select('id').where('state', '=', 'open').execute();
    expect(items).toHaveLength(open.length);
    expect(items.every((f) => f.state === 'open')).toBe(true);
    const sorted = [...items].sort((a, b) => RANK.indexOf(a.severity) - RANK.indexOf(b.severity) || (a.id < b.id ? -1 : 1));
    expect(items.map((f) => f.id)).toEqual(sorted.map((f) => f.id));
    expect(items.find((f) => f.package === 'libwebp6')?.host).toEqual({ id: ids.deb, hostname: 'deb01' });
  });

  it('filters by severity, fix state, package (binary or source), host, vulnerability and state', async () => {
    const crit = await list('severity=critical&severity=high');
    expect(new Set(crit.map((f) => f.severity))).toEqual(new Set(['critical', 'high']));
    expect(crit.length).toBeGreaterThan(3);
    expect((await list('fixState=will_not_fix')).map((f) => `${f.host.hostname} ${f.package}`)).toEqual(['alma01 apparmor']);
    expect((await list('package=libwebp')).map((f) => `${f.host.hostname} ${f.package}`).sort()).toEqual(['alma01 libwebp', 'deb01 libwebp6']);
    expect((await list(`host=${ids.deb!}`)).map((f) => f.package)).toEqual(['libwebp6', 'apparmor']);
    expect((await list('vulnerability=CVE-2016-1585')).map((f) => f.host.hostname).sort()).toEqual(['alma01', 'deb01']);
    expect((await list(`host=${ids.alma!}&state=resolved`)).map((f) => f.package)).toEqual(['compat-openssl10']);
    expect(await list(`host=${ids.bulk!}&state=all`)).toHaveLength(42);
    expect(await list(`host=${ids.bulk!}&state=resolved`)).toHaveLength(14);
    expect(await list('vulnerability=CVE-2099-0001')).toEqual([]);
  });

  it.skipIf(!HAS_SHARED_DATA)('filters by KEV', async () => {
    expect((await list('kev=true')).map((f) => `${f.host.hostname} ${f.package}`).sort()).toEqual(['alma01 firefox', 'alma01 libwebp', 'deb01 libwebp6']);
    const notKev = await list('kev=false');
    expect(notKev.some((f) => f.vulnerability === 'CVE-2023-4863')).toBe(false);
    expect(notKev.length + 3).toBe((await list('')).length);
  });

  it.each([['state=all'], ['state=open'], ['state=resolved&severity=low&severity=critical'], ['state=all&fixState=unfixed']])(
    'pages without gaps or repeats (%s)',
    async (qs) => {
      const all = await list(qs);
      expect(all.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: PageReply = (await get(`/api/v1/findings?limit=4&${qs}${cursor === null ? '' : `&cursor=${cursor}`}`)).json<PageReply>();
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(all.map((f) => f.id));
      expect(new Set(seen).size).toBe(seen.length);
    },
  );

  it('refuses a malformed cursor and bad filters', async () => {
    const bad = Buffer.from(JSON.stringify([9, 'x'])).toString('base64url');
    expect((await get(`/api/v1/findings?cursor=${bad}`)).json<{ code: string }>()).toMatchObject({ code: 'ERR_VALIDATION' });
    expect((await get(`/api/v1/findings?host=web01`)).statusCode).toBe(400);
    expect((await get(`/api/v1/findings?kev=maybe`)).statusCode).toBe(400);
    expect((await get(`/api/v1/findings?fixState=patched`)).statusCode).toBe(400);
  });
});

describe('GET /api/v1/findings/:id', () => {
  it('returns the finding with its whole history, oldest first', async () => {
    const res = await get(`/api/v1/findings/${historyFinding}`);
    expect(res.statusCode).toBe(200);
    const r = { body: res.json<Item & { history: unknown[] }>() };
    expect(r.body).toMatchObject({ id: historyFinding, host: { id: ids.alma, hostname: 'alma01' }, vulnerability: 'CVE-2023-0464', state: 'open', resolvedAt: null });
    expect(r.body.history).toEqual([
      { kind: 'opened', at: at(0).toISOString(), fromVersion: null, toVersion: '1:1.1.1k-7.el8_6', resolution: null, cause: 'inventory 11111111-1111-4111-8111-111111111111' },
      { kind: 'updated', at: at(1).toISOString(), fromVersion: '1:1.1.1k-7.el8_6', toVersion: '1:1.1.1k-8.el8_6', resolution: null, cause: 'inventory a' },
      { kind: 'resolved', at: at(2).toISOString(), fromVersion: '1:1.1.1k-8.el8_6', toVersion: '1:1.1.1k-9.el8_7', resolution: 'fixed', cause: 'inventory b' },
      { kind: 'reopened', at: at(3).toISOString(), fromVersion: '1:1.1.1k-9.el8_7', toVersion: '1:1.1.1k-8.el8_6', resolution: null, cause: 'inventory c' },
    ]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await get('/api/v1/findings/00000000-0000-4000-8000-000000000000')).json<{ code: string }>().code).toBe('ERR_NOT_FOUND');
    expect((await get('/api/v1/findings/CVE-2023-4863')).statusCode).toBe(400);
  });
});

interface Vuln {
  id: string;
  description: string | null;
  descriptionSource: string | null;
  severity: string;
  cvss: { origin: string; source: string; version: string; baseScore: number; type: string | null }[];
  severities: { source: string; advisoryId: string; severity: string; label: string | null }[];
  kev: Record<string, string> | null;
  epss: { score: number; percentile: number; date: string | null } | null;
  cwes: string[];
  references: { url: string; sources: string[]; tags: string[] }[];
  advisories: { source: string; id: string; title: string | null; severity: string; published: string | null }[];
  fixedVersions: { distro: string; release: string; package: string; fixedVersions: string[]; status: string; advisoryId: string }[];
  affectedHosts: { hostname: string; package: string; installedVersion: string; fixState: string }[];
  openFindings: number;
  affectedHostCount: number;
}

describe.skipIf(!HAS_SHARED_DATA)('GET /api/v1/vulnerabilities/:id', () => {
  it('gathers a KEV-listed CVE from the advisories citing it: KEV entry, advisories, fixed versions, affected hosts', async () => {
    const r = await get('/api/v1/vulnerabilities/CVE-2023-4863');
    expect(r.statusCode).toBe(200);
    const v = r.json<Vuln>();
    expect(v.kev).toMatchObject({
      dateAdded: '2023-09-13',
      dueDate: '2023-10-04',
      knownRansomwareCampaignUse: 'Unknown',
      requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
      vulnerabilityName: 'Google Chromium WebP Heap-Based Buffer Overflow Vulnerability',
    });
    expect(v.epss).toBeNull();
    expect(v.cwes).toEqual(['CWE-787']);
    // no NVD record: the first advisory's description, as plain text
    expect(v.descriptionSource).toBe('osv:AlmaLinux ALSA-2023:5184');
    expect(v.description).toContain('* libwebp: Heap buffer overflow in WebP Codec (CVE-2023-4863)');
    expect(v.severity).toBe('high');
    expect(v.advisories.map((a) => `${a.id} ${a.severity} ${a.title ?? ''}`)).toEqual([
      'ALSA-2023:5184 high Important: firefox security update',
      'ALSA-2023:5201 high Important: thunderbird security update',
      'ALSA-2023:5309 high Important: libwebp security update',
    ]);
    expect(v.severities).toContainEqual({ source: 'osv:AlmaLinux', advisoryId: 'ALSA-2023:5309', severity: 'high', label: 'Important' });
    expect(v.fixedVersions.map((f) => `${f.distro} ${f.release} ${f.package} ${f.fixedVersions.join(',')} ${f.status} ${f.advisoryId}`)).toEqual([
      'almalinux 8 firefox 102.15.1-1.el8_8.alma fixed ALSA-2023:5184',
      'almalinux 8 libwebp 1.0.0-8.el8_8.1 fixed ALSA-2023:5309',
      'almalinux 8 libwebp-devel 1.0.0-8.el8_8.1 fixed ALSA-2023:5309',
      'almalinux 8 thunderbird 102.15.1-1.el8_8.alma fixed ALSA-2023:5201',
    ]);
    expect(v.affectedHosts.map((h) => `${h.hostname} ${h.package} ${h.installedVersion} ${h.fixState}`)).toEqual([
      'alma01 firefox 102.10.0-1.el8_7.alma fixed',
      'alma01 libwebp 1.0.0-5.el8 fixed',
      'deb01 libwebp6 0.6.1-2+deb10u1 fixed',
    ]);
    expect(v).toMatchObject({ openFindings: 3, affectedHostCount: 2 });
    // one entry per URL, even when several advisories cite it
    const urls = v.references.map((x) => x.url);
    expect(new Set(urls).size).toBe(urls.length);
    expect(v.references.find((x) => x.url === 'https://access.redhat.com/security/cve/CVE-2023-4863')).toEqual({
      url: 'https://access.redhat.com/security/cve/CVE-2023-4863',
      sources: ['osv:AlmaLinux'],
      tags: ['REPORT'],
    });
  });

  it('takes the description, CVSS, CWEs and references from NVD, and the EPSS score', async () => {
    const v = (await get('/api/v1/vulnerabilities/CVE-2022-34668')).json<Vuln>();
    expect(v.descriptionSource).toBe('nvd');
    expect(v.description).toMatch(/^NVFLARE, versions prior to 2\.1\.4/);
    expect(v.cvss).toEqual([
      { origin: 'nvd', advisoryId: null, source: 'psirt@nvidia.com', version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, type: 'Primary', baseSeverity: 'CRITICAL' },
    ]);
    expect(v.epss).toEqual({ score: 0.00311, percentile: 0.70519, date: '2024-10-25T00:00:00+0000' });
    expect(v.cwes).toEqual(['CWE-502']);
    expect(v.references.map((r) => r.url)).toEqual([
      'http://packetstormsecurity.com/files/171483/NVFLARE-Unsafe-Deserialization.html',
      'https://github.com/NVIDIA/NVFlare/security/advisories/GHSA-6qv6-q77g-7qm6',
    ]);
    expect(v.references[1]).toMatchObject({ sources: ['nvd'], tags: ['Third Party Advisory'] });
    expect(v).toMatchObject({ kev: null, severity: 'unknown', advisories: [], fixedVersions: [], openFindings: 1, affectedHostCount: 1 });
    const many = (await get('/api/v1/vulnerabilities/CVE-2016-1585')).json<Vuln>();
    expect(many.cvss.map((c) => `${c.source} ${c.version} ${c.baseScore} ${c.type ?? ''}`)).toEqual([
      'nvd@nist.gov 3.1 9.8 Primary',
      'security@ubuntu.com 3.0 3.9 Secondary',
      'nvd@nist.gov 2.0 7.5 Primary',
    ]);
  });

  it('looks up an advisory id: the advisory itself and the hosts whose findings it covers', async () => {
    const v = (await get('/api/v1/vulnerabilities/ALSA-2023:5309')).json<Vuln>();
    expect(v.advisories.map((a) => a.id)).toEqual(['ALSA-2023:5309']);
    expect(v.fixedVersions.map((f) => f.package)).toEqual(['libwebp', 'libwebp-devel']);
    expect(v.affectedHosts.map((h) => `${h.hostname} ${h.package}`)).toEqual(['alma01 libwebp']);
    expect(v.kev).toBeNull();
  });

  it('knows a CVE it has only an EPSS score for, and 404s an id nothing is known about', async () => {
    expect((await get('/api/v1/vulnerabilities/CVE-1999-0005')).json<Vuln>()).toMatchObject({ description: null, epss: { score: 0.91963 }, affectedHosts: [] });
    const r = await get('/api/v1/vulnerabilities/CVE-2099-0001');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect((await get('/api/v1/vulnerabilities/%3Cscript%3E')).statusCode).toBe(400);
  });
});

describe('the host list gains last matched and counts by severity', () => {
  it('shows match state, end of life (reached by the clock), reboot and open findings by severity', async () => {
    const hosts = (await get('/api/v1/hosts')).json<{ items: Record<string, unknown>[] }>().items;
    const by = (name: string) => hosts.find((h) => h.hostname === name);
    expect(by('alma01')).toMatchObject({
      lastMatchedAt: at(4).toISOString(),
      matchStatus: 'ok',
      matchNote: null,
      endOfLife: '2029-03-01',
      endOfLifeReached: false,
      rebootRequired: true,
      findingCounts: { critical: 1, high: 2, medium: 1, low: 1, negligible: 0, unknown: 0 },
    });
    expect(by('deb01')).toMatchObject({ endOfLife: '2024-06-30', endOfLifeReached: true, findingCounts: { critical: 0, high: 1, medium: 0, low: 1, negligible: 0, unknown: 0 } });
    expect(by('fresh01')).toMatchObject({
      lastMatchedAt: null,
      matchStatus: 'pending',
      endOfLife: null,
      endOfLifeReached: false,
      rebootRequired: false,
      findingCounts: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
    });
    expect((await get(`/api/v1/hosts/${ids.bulk!}`)).json()).toMatchObject({ findingCounts: { critical: 0, high: 7, medium: 7, low: 0, negligible: 7, unknown: 7 } });
  });
});

describe('OpenAPI document', () => {
  it('describes the findings endpoints', async () => {
    const doc = (await get('/api/docs/json')).json<{ paths: Record<string, unknown> }>();
    for (const p of ['/api/v1/hosts/{id}/findings', '/api/v1/findings', '/api/v1/findings/{id}', '/api/v1/vulnerabilities/{id}']) expect(doc.paths, p).toHaveProperty([p]);
  });
});
