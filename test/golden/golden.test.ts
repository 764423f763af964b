/**
 * Golden matching cases from real data: real host inventories (Vuls scan
 * results, apk databases) against the real advisories of their distribution
 * in ../shared/data, through the real parsers and the matching core.
 * `UPDATE_GOLDEN=1 npm test` rewrites the goldens; review the diff like code.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeedParseResult } from '../../src/domain/advisory.js';
import type { ParsedInventory } from '../../src/domain/inventory.js';
import { parseAlpineSecdbJson, parseAlpineSecdbYaml } from '../../src/feeds/alpine-secdb/parse.js';
import { parseDebianAdvisoryList } from '../../src/feeds/debian-tracker/parse-lists.js';
import { parseDebianTracker } from '../../src/feeds/debian-tracker/parse.js';
import { parseOsv } from '../../src/feeds/osv/parse.js';
import { parseRedHatOval } from '../../src/feeds/redhat-oval/parse.js';
import { parseRedHatSecurityData } from '../../src/feeds/redhat-securitydata/parse.js';
import { parseSuseOval } from '../../src/feeds/suse-oval/parse.js';
import { toStoredPackages } from '../../src/inventory/ingest.service.js';
import { parseInventoryJson } from '../../src/inventory/parse-document.js';
import { parseApkInstalled } from '../../src/inventory/parsers/apk.js';
import { parseVulsScanResult } from '../../src/inventory/parsers/vuls.js';
import { matchHost } from '../../src/matching/match.js';
import { resolveTarget } from '../../src/matching/release.js';
import { indexRowsByName, toMatchableRows } from '../../src/matching/rows.js';
import type { HostMatchResult } from '../../src/matching/types.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const HERE = new URL('.', import.meta.url).pathname;

function merge(results: FeedParseResult[]): FeedParseResult {
  return {
    advisories: results.flatMap((r) => r.advisories),
    affected: results.flatMap((r) => r.affected),
    enrichments: results.flatMap((r) => r.enrichments),
    problems: results.flatMap((r) => r.problems),
  };
}

function filesIn(dir: string, ext = '.json'): string[] {
  return readdirSync(join(SHARED_DATA, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(SHARED_DATA, dir, f));
}

const osvDir = (dir: string): FeedParseResult => merge(filesIn(dir).map((f) => parseOsv(readFileSync(f))));
const vuls = (name: string): ParsedInventory => parseVulsScanResult(JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results', `${name}.json`), 'utf8')));

function run(inv: ParsedInventory, feeds: FeedParseResult): HostMatchResult {
  const t = resolveTarget(inv.os);
  if (!t.supported) throw new Error(t.reason);
  const rows = toMatchableRows(feeds.advisories, feeds.affected);
  const packages = toStoredPackages(inv);
  return matchHost({ target: t.target, kernelRelease: inv.host.kernelRelease, packages }, indexRowsByName(rows));
}

/** The golden form: everything but the explanations' wording, sorted deterministically by matchHost. */
function golden(name: string, r: HostMatchResult): void {
  const dir = join(HERE, name);
  const file = join(dir, 'findings.golden.json');
  const actual = {
    rebootRequired: r.rebootRequired,
    remediation: r.remediation,
    problems: r.problems,
    findings: r.findings.map((f) => ({
      vulnerability: f.vulnerability,
      advisories: f.advisories,
      package: f.package,
      arch: f.arch,
      sourcePackage: f.sourcePackage,
      installedVersion: f.installedVersion,
      fixedVersion: f.fixedVersion,
      fixState: f.fixState,
      severity: f.severity,
      sources: f.sources,
    })),
  };
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  }
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe.skipIf(!HAS_SHARED_DATA)('golden matching on real data', () => {
  it('AlmaLinux 8 host against the ALSA OSV records', () => {
    const r = run(vuls('alma_8'), osvDir('osv/almalinux/almalinux8'));
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.fixState === 'fixed' && f.fixedVersion !== null)).toBe(true);
    golden('alma8-alsa', r);
  });

  it('AlmaLinux 10 host against the ALSA OSV records', () => {
    golden('alma10-alsa', run(vuls('alma_10'), osvDir('osv/almalinux/almalinux10')));
  });

  it('AlmaLinux 10 advisories do not match an AlmaLinux 8 host (release keys)', () => {
    expect(run(vuls('alma_8'), osvDir('osv/almalinux/almalinux10')).findings).toEqual([]);
  });

  it('CentOS 7 host against Red Hat per-CVE data and the RHEL 7 OVAL (the data README walkthrough)', () => {
    const feeds = merge([
      ...filesIn('redhat/securitydata-api/cve').map((f) => parseRedHatSecurityData(readFileSync(f))),
      parseRedHatOval(readFileSync(join(SHARED_DATA, 'redhat/oval/rhel-7.oval.xml'))),
    ]);
    const inv = vuls('centos_7');
    const r = run(inv, feeds);
    const pick = (cve: string, pkg: string) => r.findings.find((f) => f.vulnerability === cve && f.package === pkg);
    expect(pick('CVE-2021-3156', 'sudo')).toMatchObject({ installedVersion: '1.8.23-4.el7_7.2', fixedVersion: '0:1.8.23-10.el7_9.1', fixState: 'fixed', advisories: ['RHSA-2021:0221'] });
    expect(pick('CVE-2021-4034', 'polkit')).toMatchObject({ installedVersion: '0.112-22.el7_7.1', fixedVersion: '0:0.112-26.el7_9.1', fixState: 'fixed' });
    expect(r.findings.filter((f) => f.vulnerability === 'CVE-2019-12735')).toEqual([]);
    golden('centos7-redhat', r);

    // The same host still on vim 7.4.160-5 (vim-minimal built from source vim, as the agent reports SOURCERPM): affected.
    const old = {
      ...inv,
      packages: inv.packages.map((p) =>
        p.name === 'vim-minimal' ? { ...p, epoch: '2', version: '7.4.160', release: '5.el7', evr: '2:7.4.160-5.el7', sourceName: 'vim', sourceVersion: '7.4.160-5.el7' } : p,
      ),
    };
    expect(run(old, feeds).findings.filter((f) => f.vulnerability === 'CVE-2019-12735').map((f) => [f.package, f.sourcePackage, f.fixedVersion])).toEqual([
      ['vim-minimal', 'vim', '2:7.4.160-6.el7_6'],
    ]);
  });

  it('Rocky Linux 8 host against the RLSA OSV records', () => {
    golden('rocky8-rlsa', run(vuls('rocky_8'), osvDir('osv/rocky')));
  });

  it('Debian 10 host against the security tracker lists, tracker JSON and OSV', () => {
    const feeds = merge([
      parseDebianAdvisoryList(readFileSync(join(SHARED_DATA, 'debian/tracker-lists/DSA-list.shared-subset.txt'))),
      parseDebianAdvisoryList(readFileSync(join(SHARED_DATA, 'debian/tracker-lists/DLA-list.shared-subset.txt'))),
      ...filesIn('debian/tracker-json').filter((f) => !f.includes('legacy')).map((f) => parseDebianTracker(readFileSync(f))),
      osvDir('osv/debian'),
    ]);
    const r = run(vuls('debian_10'), feeds);
    expect(r.findings.length).toBeGreaterThan(0);
    // Debian keys source packages: every finding names the source it was matched through.
    expect(r.findings.every((f) => f.sourcePackage !== '')).toBe(true);
    golden('debian10-tracker', r);
  });

  it('Ubuntu 20.04 host against Ubuntu OSV: unfixed, and past standard support (Pro rows)', () => {
    const r = run(vuls('ubuntu_2004'), osvDir('osv/ubuntu'));
    expect(r.findings.some((f) => f.vulnerability === 'CVE-2016-20013' && f.fixState === 'unfixed' && f.sourcePackage === 'glibc')).toBe(true);
    golden('ubuntu2004-osv', r);
  });

  it('SUSE Linux Enterprise 15 hosts against the SUSE OVAL excerpt (hosts built from real versions: sle15-suse-oval/PROVENANCE.md)', () => {
    const feeds = parseSuseOval(readFileSync(join(SHARED_DATA, 'suse/oval/suse-oval-excerpt.xml')));
    const host = (name: string): ParsedInventory => parseInventoryJson(JSON.parse(readFileSync(join(HERE, 'sle15-suse-oval', `${name}.inventory.json`), 'utf8')), 'upload');
    const brief = (r: HostMatchResult) => r.findings.map((f) => [f.vulnerability, f.package, f.installedVersion, f.fixedVersion, f.fixState, f.severity, f.sources.join(',')]);

    // SLES for SAP 15: the running kernel 4.12.14-150.66.1 is below the fix of its own product's row;
    // the installed, not running 4.12.14-150.72.1 is not a finding, and asks for a reboot.
    const sap = run(host('sles_sap-15'), feeds);
    expect(brief(sap)).toEqual([['CVE-2021-29154', 'kernel-default', '4.12.14-150.66.1', '4.12.14-150.72.1', 'fixed', 'high', 'suse-oval']]);
    expect(sap.rebootRequired).toBe(true);
    expect(sap.remediation).toBe('zypper refresh && zypper update kernel-default');
    expect(sap.findings[0]!.explanation).toEqual([{ source: 'suse-oval', advisoryId: 'CVE-2021-29154', status: 'fixed', comparison: '4.12.14-150.66.1 < 4.12.14-150.72.1 (rpm)' }]);
    // krb5 1.15.2-4.25 is exactly the fixed version (CVE-2010-1323): not vulnerable; python3-cryptography
    // (CVE-2026-34073) and kernel-default (CVE-1999-0524) have "not affected" rows: no finding for any version.
    expect(sap.findings.map((f) => f.vulnerability)).not.toContain('CVE-2010-1323');
    golden('sle15-suse-oval', sap);

    // The same host running the fixed kernel: nothing left.
    const fixedKernel = host('sles_sap-15');
    fixedKernel.host.kernelRelease = '4.12.14-150.72-default';
    expect(run(fixedKernel, feeds)).toMatchObject({ findings: [], rebootRequired: false, remediation: null });

    // SLES 15 without LTSS: CVE-2021-29154 has only an LTSS row for SLES 15, which needs a subscription
    // the host does not show; its kernel 4.12.14-150.22.1 (a general update) is not reported.
    const sles = run(host('sles-15'), feeds);
    expect(brief(sles)).toEqual([]);
    // The LTSS row is in the data, its fix above the installed 150.22.1: only its channel keeps it out.
    const ltss = feeds.affected.filter((a) => a.advisoryId === 'CVE-2021-29154' && a.distro === 'sles' && a.release === '15' && a.packageName === 'kernel-default');
    expect(ltss.map((a) => `${a.channel ?? ''} ${a.status} ${a.ranges[0]?.fixed ?? ''}`)).toEqual(['ltss fixed 0:4.12.14-150.72.1']);

    // SLED 15: its own krb5 rows and the SLES 15 module rows (krb5-server: Server Applications module), all at the fix.
    expect(brief(run(host('sled-15'), feeds))).toEqual([]);
  });

  it('Alpine 3.19 host (Vuls) against OSV', () => {
    golden('alpine319-osv', run(vuls('alpine_319'), osvDir('osv/alpine')));
  });

  it('Alpine installed database against secdb and OSV', () => {
    const db = parseApkInstalled(readFileSync(join(SHARED_DATA, 'inventories/apk-installed/osv-scalibr-installed'), 'utf8'));
    const inv: ParsedInventory = {
      source: 'upload',
      collectedAt: null,
      host: { hostname: 'alpine', fqdn: null, machineId: null, arch: 'x86_64', kernelRelease: null, kernelVersion: null },
      // The database's packages (musl 1.2.4-r0, openssl 3.1.0-r4) are Alpine 3.18's.
      os: { id: 'alpine', idLike: [], versionId: '3.18.4', codename: null, name: 'Alpine Linux', prettyName: 'Alpine Linux v3.18' },
      packages: db.packages,
      warnings: [],
    };
    const feeds = merge([
      ...filesIn('alpine/secdb-json').map((f) => parseAlpineSecdbJson(readFileSync(f))),
      ...readdirSync(join(SHARED_DATA, 'alpine/secdb-yaml'))
        .flatMap((v) => filesIn(`alpine/secdb-yaml/${v}`, '.yaml'))
        .map((f) => parseAlpineSecdbYaml(readFileSync(f, 'utf8'))),
      osvDir('osv/alpine'),
    ]);
    const r = run(inv, feeds);
    expect(r.findings.map((f) => f.vulnerability)).toContain('CVE-2025-26519');
    golden('alpine318-osv', r);
  });
});
