import { describe, expect, it } from 'vitest';
import type { AffectedPackage } from '../domain/advisory.js';
import { matchHost } from './match.js';
import { resolveTarget } from './release.js';
import type { MatchPackage, MatchTarget, MatchableRow } from './types.js';

function target(id: string, versionId: string, codename: string | null = null): MatchTarget {
  const r = resolveTarget({ id, idLike: [], versionId, codename, name: id, prettyName: `${id} ${versionId}` });
  if (!r.supported) throw new Error(r.reason);
  return r.target;
}

const pkg = (name: string, evr: string, over: Partial<MatchPackage> = {}): MatchPackage => ({
  name,
  arch: 'x86_64',
  evr,
  sourceName: null,
  sourceVersion: null,
  modularityLabel: null,
  unparsedReason: null,
  ...over,
});

const row = (over: Partial<MatchableRow> & Pick<AffectedPackage, 'packageName'>, cves: string[] = ['CVE-2024-0001']): MatchableRow => ({
  source: 'osv:AlmaLinux',
  advisoryId: 'ALSA-2024:0001',
  distro: 'almalinux',
  release: '9',
  channel: null,
  binaryNames: null,
  moduleStream: null,
  arch: null,
  scheme: 'rpm',
  ranges: [{ introduced: '0', fixed: '1.0-2.el9' }],
  versions: [],
  status: 'fixed',
  severity: null,
  note: null,
  cves,
  advisorySeverity: 'high',
  advisorySeverityLabel: 'Important',
  withdrawn: false,
  ...over,
});

function index(rows: MatchableRow[]): Map<string, MatchableRow[]> {
  const m = new Map<string, MatchableRow[]>();
  for (const r of rows) m.set(r.packageName, [...(m.get(r.packageName) ?? []), r]);
  return m;
}

const alma9 = target('almalinux', '9.3');

describe('matchHost', () => {
  it('finds an older installed version, with fixed version, explanation and command', () => {
    const r = matchHost({ target: alma9, kernelRelease: null, packages: [pkg('openssl-libs', '1:1.0-1.el9')] }, index([row({ packageName: 'openssl-libs', ranges: [{ introduced: '0', fixed: '1:1.0-2.el9' }] })]));
    expect(r.findings).toEqual([
      {
        vulnerability: 'CVE-2024-0001',
        advisories: ['ALSA-2024:0001'],
        package: 'openssl-libs',
        arch: 'x86_64',
        sourcePackage: 'openssl-libs',
        installedVersion: '1:1.0-1.el9',
        fixedVersion: '1:1.0-2.el9',
        fixState: 'fixed',
        severity: 'high',
        severityLabel: 'Important',
        remediation: 'dnf upgrade --advisory=ALSA-2024:0001',
        sources: ['osv:AlmaLinux'],
        explanation: [{ source: 'osv:AlmaLinux', advisoryId: 'ALSA-2024:0001', status: 'fixed', comparison: '1:1.0-1.el9 < 1:1.0-2.el9 (rpm)' }],
      },
    ]);
    expect(r.remediation).toBe('dnf upgrade --advisory=ALSA-2024:0001');
  });

  it('does not report a package at exactly the fixed version (boundary) or newer', () => {
    const rows = index([row({ packageName: 'bash' })]);
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [pkg('bash', '1.0-2.el9')] }, rows).findings).toEqual([]);
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [pkg('bash', '0:1.0-2.el9')] }, rows).findings).toEqual([]);
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [pkg('bash', '1.0-10.el9')] }, rows).findings).toEqual([]);
  });

  it('keeps module streams apart: a fix in another stream is no fix for this one', () => {
    const rows = index([
      row({ packageName: 'nodejs', moduleStream: 'nodejs:18', ranges: [{ introduced: '0', fixed: '1:18.19.0-1.module+el9.3.0+100+aaaa' }] }),
      row({ packageName: 'nodejs', advisoryId: 'ALSA-2024:0002', moduleStream: null, ranges: [{ introduced: '0', fixed: '1:16.20.2-5.el9' }] }),
    ]);
    const modular = pkg('nodejs', '1:18.18.2-1.module+el9.3.0+99+bbbb', { modularityLabel: 'nodejs:18:9030020231120082734:rhel9' });
    const r1 = matchHost({ target: alma9, kernelRelease: null, packages: [modular] }, rows);
    expect(r1.findings.map((f) => f.advisories)).toEqual([['ALSA-2024:0001']]);
    const other = pkg('nodejs', '1:20.9.0-1.module+el9.3.0+99+cccc', { modularityLabel: 'nodejs:20:9030020231120082734:rhel9' });
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [other] }, rows).findings).toEqual([]);
    const plain = pkg('nodejs', '1:16.20.2-4.el9');
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [plain] }, rows).findings.map((f) => f.advisories)).toEqual([['ALSA-2024:0002']]);
  });

  it('matches only the running kernel and flags a reboot when a newer one is installed', () => {
    const rows = index([row({ packageName: 'kernel-core', ranges: [{ introduced: '0', fixed: '5.14.0-362.el9' }] })]);
    const packages = [
      pkg('kernel-core', '5.14.0-284.el9'),
      pkg('kernel-core', '5.14.0-300.el9'),
      pkg('kernel-core', '5.14.0-400.el9'),
    ];
    const running = matchHost({ target: alma9, kernelRelease: '5.14.0-300.el9.x86_64', packages }, rows);
    expect(running.findings.map((f) => f.installedVersion)).toEqual(['5.14.0-300.el9']);
    expect(running.rebootRequired).toBe(true);
    const newest = matchHost({ target: alma9, kernelRelease: '5.14.0-400.el9.x86_64', packages }, rows);
    expect(newest.findings).toEqual([]);
    expect(newest.rebootRequired).toBe(false);
  });

  it('turns vendor statuses into fix states and lets not-affected suppress', () => {
    const deb12 = target('debian', '12', 'bookworm');
    const base = { source: 'debian-tracker', distro: 'debian' as const, release: '12', scheme: 'dpkg' as const, ranges: [{ introduced: '0' }] };
    const rows = index([
      row({ ...base, packageName: 'chromium', advisoryId: 'CVE-2024-1', status: 'will_not_fix', note: 'Minor issue' }, ['CVE-2024-1']),
      row({ ...base, packageName: 'chromium', advisoryId: 'CVE-2024-2', status: 'fix_deferred' }, ['CVE-2024-2']),
      row({ ...base, packageName: 'chromium', advisoryId: 'CVE-2024-3', status: 'affected' }, ['CVE-2024-3']),
      row({ ...base, packageName: 'chromium', advisoryId: 'CVE-2024-4', status: 'not_affected', ranges: [] }, ['CVE-2024-4']),
      // a lower-ranked source says affected, but the tracker says not affected: no finding
      row({ ...base, source: 'osv:Debian', packageName: 'chromium', advisoryId: 'DEBIAN-CVE-2024-4', status: 'affected' }, ['CVE-2024-4']),
    ]);
    const r = matchHost({ target: deb12, kernelRelease: null, packages: [pkg('chromium', '120.0-1~deb12u1', { arch: 'amd64', sourceName: 'chromium' })] }, rows);
    expect(r.findings.map((f) => [f.vulnerability, f.fixState, f.fixedVersion, f.remediation])).toEqual([
      ['CVE-2024-1', 'will_not_fix', null, null],
      ['CVE-2024-2', 'fix_deferred', null, null],
      ['CVE-2024-3', 'unfixed', null, null],
    ]);
    expect(r.remediation).toBeNull();
  });

  it('matches Debian binaries through their source package and source version (binNMU)', () => {
    const deb12 = target('debian', '12', 'bookworm');
    const rows = index([
      row({ source: 'debian-tracker', advisoryId: 'CVE-2024-9', distro: 'debian', release: '12', scheme: 'dpkg', packageName: 'bash', ranges: [{ introduced: '0', fixed: '5.2.15-2' }] }, ['CVE-2024-9']),
    ]);
    // bash 5.2.15-2+b2 is a binNMU of source 5.2.15-2: fixed, although "5.2.15-2+b2" > "5.2.15-2" too.
    const fixed = pkg('bash', '5.2.15-2+b2', { arch: 'amd64', sourceName: 'bash', sourceVersion: '5.2.15-2' });
    expect(matchHost({ target: deb12, kernelRelease: null, packages: [fixed] }, rows).findings).toEqual([]);
    const old = pkg('bash', '5.2.15-1+b1', { arch: 'amd64', sourceName: 'bash', sourceVersion: '5.2.15-1' });
    const f = matchHost({ target: deb12, kernelRelease: null, packages: [old] }, rows).findings;
    expect(f.map((x) => [x.package, x.sourcePackage, x.installedVersion, x.fixedVersion, x.remediation])).toEqual([
      ['bash', 'bash', '5.2.15-1+b1', '5.2.15-2', 'apt-get update && apt-get install --only-upgrade bash'],
    ]);
  });

  it('ignores other update streams (Ubuntu Pro, RHEL EUS) and withdrawn advisories', () => {
    const rows = index([row({ packageName: 'bash', channel: 'eus:9.2' }), row({ packageName: 'bash', advisoryId: 'ALSA-X', withdrawn: true })]);
    expect(matchHost({ target: alma9, kernelRelease: null, packages: [pkg('bash', '1.0-1.el9')] }, rows).findings).toEqual([]);
  });

  it('reports a feed version its scheme rejects as a problem instead of guessing', () => {
    const rows = index([row({ packageName: 'bash', ranges: [{ introduced: '0', fixed: '' }] })]);
    const r = matchHost({ target: alma9, kernelRelease: null, packages: [pkg('bash', '1.0-1.el9')] }, rows);
    expect(r.findings).toEqual([]);
    expect(r.problems).toHaveLength(1);
  });

  it('needs the highest fixed version when several advisories of one source fix the same CVE', () => {
    const rows = index([
      row({ packageName: 'glibc', advisoryId: 'ALSA-A', ranges: [{ introduced: '0', fixed: '2.34-60.el9' }] }),
      row({ packageName: 'glibc', advisoryId: 'ALSA-B', ranges: [{ introduced: '0', fixed: '2.34-83.el9' }] }),
    ]);
    const r = matchHost({ target: alma9, kernelRelease: null, packages: [pkg('glibc', '2.34-50.el9')] }, rows);
    expect(r.findings.map((f) => [f.fixedVersion, f.advisories])).toEqual([['2.34-83.el9', ['ALSA-A', 'ALSA-B']]]);
  });
});

describe('matchHost on SUSE', () => {
  const suse = (over: Partial<MatchableRow> & Pick<AffectedPackage, 'packageName'>, cves: string[] = ['CVE-2021-29154']): MatchableRow =>
    row({ source: 'suse-oval', advisoryId: cves[0]!, distro: 'sles', release: '15.5', ranges: [{ introduced: '0', fixed: '5.14.21-150500.55.44.1' }], advisorySeverityLabel: 'important', ...over }, cves);
  const sles155 = target('sles', '15.5');
  const kernel = pkg('kernel-default', '5.14.21-150500.55.39.1');

  it('matches the binary RPM by rpm version: below the fix, at the fix, above it', () => {
    const rows = index([suse({ packageName: 'kernel-default' })]);
    const r = matchHost({ target: sles155, kernelRelease: null, packages: [kernel] }, rows);
    expect(r.findings.map((f) => [f.vulnerability, f.package, f.installedVersion, f.fixedVersion, f.fixState, f.sources, f.remediation])).toEqual([
      ['CVE-2021-29154', 'kernel-default', '5.14.21-150500.55.39.1', '5.14.21-150500.55.44.1', 'fixed', ['suse-oval'], 'zypper refresh && zypper update kernel-default'],
    ]);
    expect(r.remediation).toBe('zypper refresh && zypper update kernel-default');
    for (const evr of ['5.14.21-150500.55.44.1', '5.14.21-150500.55.49.1']) {
      expect(matchHost({ target: sles155, kernelRelease: null, packages: [pkg('kernel-default', evr)] }, rows).findings).toEqual([]);
    }
  });

  it('applies base product, module and add-on rows; not LTSS, BCL or ESPOS rows', () => {
    const channels = [null, 'module-basesystem', 'workstation-extension', 'ltss', 'bcl', 'espos', 'server-ltss-extended-security', 'module-basesystem:ltss'];
    const rows = index(channels.map((channel, i) => suse({ packageName: 'kernel-default', channel, advisoryId: `ADV-${i}` }, [`CVE-2024-000${i}`])));
    const r = matchHost({ target: sles155, kernelRelease: null, packages: [kernel] }, rows);
    expect(r.findings.map((f) => f.vulnerability)).toEqual(['CVE-2024-0000', 'CVE-2024-0001', 'CVE-2024-0002']);
  });

  it('a SLED host is matched with its own rows and the SLES modules of its service pack, not SLES base rows', () => {
    const rows = index([
      suse({ packageName: 'krb5', distro: 'sled', ranges: [{ introduced: '0', fixed: '1.20.1-150500.3.3.1' }] }, ['CVE-2024-1']),
      suse({ packageName: 'krb5', channel: 'module-basesystem', ranges: [{ introduced: '0', fixed: '1.20.1-150500.3.3.1' }] }, ['CVE-2024-2']),
      suse({ packageName: 'krb5', ranges: [{ introduced: '0', fixed: '1.20.1-150500.3.3.1' }] }, ['CVE-2024-3']),
      suse({ packageName: 'krb5', channel: 'module-basesystem', release: '15.4', ranges: [{ introduced: '0', fixed: '1.20.1-150500.3.3.1' }] }, ['CVE-2024-4']),
    ]);
    const r = matchHost({ target: target('sled', '15.5'), kernelRelease: null, packages: [pkg('krb5', '1.20.1-150500.1.2')] }, rows);
    expect(r.findings.map((f) => f.vulnerability)).toEqual(['CVE-2024-1', 'CVE-2024-2']);
  });

  it('SUSE OVAL decides over OSV: its "not affected" suppresses, its fix state wins; OSV adds its advisory id', () => {
    const osv = { source: 'osv:SUSE', advisoryId: 'SUSE-SU-2024:0001-1' };
    const notAffected = index([
      suse({ packageName: 'python3-cryptography', status: 'not_affected', ranges: [] }, ['CVE-2026-34073']),
      suse({ ...osv, packageName: 'python3-cryptography', ranges: [{ introduced: '0', fixed: '3.3.2-150400.23.1' }] }, ['CVE-2026-34073']),
    ]);
    expect(matchHost({ target: sles155, kernelRelease: null, packages: [pkg('python3-cryptography', '3.3.2-150400.20.3', { arch: 'x86_64' })] }, notAffected).findings).toEqual([]);

    const both = index([suse({ packageName: 'kernel-default' }), suse({ ...osv, packageName: 'kernel-default', ranges: [{ introduced: '0', fixed: '5.14.21-150500.55.49.1' }] })]);
    const [f] = matchHost({ target: sles155, kernelRelease: null, packages: [kernel] }, both).findings;
    expect(f).toMatchObject({ fixedVersion: '5.14.21-150500.55.44.1', sources: ['suse-oval', 'osv:SUSE'], advisories: ['SUSE-SU-2024:0001-1'] });
  });

  it('an OSV record keyed on the source package applies to the binaries it lists (found through SOURCERPM)', () => {
    const rows = index([
      suse({ source: 'osv:SUSE', advisoryId: 'SUSE-SU-2024:0002-1', packageName: 'openssl-3', binaryNames: ['libopenssl3', 'openssl-3'], ranges: [{ introduced: '0', fixed: '3.0.8-150500.5.14.1' }] }, ['CVE-2024-5535']),
    ]);
    const lib = pkg('libopenssl3', '3.0.8-150500.5.8.1', { sourceName: 'openssl-3', sourceVersion: '3.0.8-150500.5.8.1' });
    const other = pkg('libopenssl3-hmac', '3.0.8-150500.5.8.1', { sourceName: 'openssl-3', sourceVersion: '3.0.8-150500.5.8.1' });
    const r = matchHost({ target: sles155, kernelRelease: null, packages: [lib, other] }, rows);
    expect(r.findings.map((f) => [f.package, f.sourcePackage, f.fixedVersion])).toEqual([['libopenssl3', 'openssl-3', '3.0.8-150500.5.14.1']]);
  });

  it('Tumbleweed is fixed by a distribution upgrade', () => {
    const tw = target('opensuse-tumbleweed', '20240101');
    const rows = index([suse({ source: 'osv:openSUSE', advisoryId: 'openSUSE-SU-2024:0001-1', distro: 'opensuse-tumbleweed', release: 'rolling', packageName: 'krb5', ranges: [{ introduced: '0', fixed: '1.21.3-1.1' }] })]);
    const r = matchHost({ target: tw, kernelRelease: null, packages: [pkg('krb5', '1.21.2-1.1')] }, rows);
    expect(r.findings.map((f) => f.remediation)).toEqual(['zypper refresh && zypper dist-upgrade']);
    expect(r.remediation).toBe('zypper refresh && zypper dist-upgrade');
  });
});

describe('resolveTarget', () => {
  it.each([
    ['centos', '7', 'rhel', '7'],
    ['almalinux', '8.9', 'almalinux', '8'],
    ['rocky', '9.3', 'rocky', '9'],
    ['ubuntu', '22.04', 'ubuntu', '22.04'],
    ['alpine', '3.19.1', 'alpine', '3.19'],
    ['debian', '12', 'debian', '12'],
  ])('%s %s → %s %s', (id, v, distro, release) => {
    expect(target(id, v)).toMatchObject({ distro, release });
  });

  it('says explicitly when there is no data', () => {
    for (const id of ['amzn', 'fedora', 'ol', 'sl-micro']) {
      const r = resolveTarget({ id, idLike: [], versionId: '1', codename: null, name: id, prettyName: id });
      expect(r.supported).toBe(false);
    }
  });
});
