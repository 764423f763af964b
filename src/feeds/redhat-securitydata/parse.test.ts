import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AffectedPackage } from '../../domain/advisory.js';
import { compareVersions } from '../../versioning/index.js';
import { isSourcePackageRow } from '../shared/redhat.js';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseRedHatSecurityData, parseRedHatSecurityDataValue } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (dir: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, dir, name));

describe('parseRedHatSecurityData golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseRedHatSecurityData(fs.readFileSync(c.file))));
    });
  }
});

/** Is an installed EVR affected by a row (OSV range semantics, as matching evaluates them)? */
function affects(row: AffectedPackage, installed: string): boolean {
  return row.ranges.some(
    (r) =>
      (r.introduced === undefined || r.introduced === '0' || compareVersions('rpm', installed, r.introduced) >= 0) &&
      (r.fixed === undefined || compareVersions('rpm', installed, r.fixed) < 0),
  );
}

function rhel7(file: string, pkg: string): AffectedPackage {
  const r = parseRedHatSecurityData(read('happy', file));
  const row = r.affected.find((a) => a.distro === 'rhel' && a.release === '7' && a.channel === null && a.packageName === pkg);
  if (row === undefined) throw new Error(`no RHEL 7 row for ${pkg} in ${file}`);
  return row;
}

describe('the CentOS 7 walkthrough of the shared data README', () => {
  it('CVE-2021-3156: sudo fixed in 1.8.23-10.el7_9.1 (RHSA-2021:0221); the host has 1.8.23-4.el7_7.2', () => {
    const row = rhel7('CVE-2021-3156.json', 'sudo');
    expect(row).toMatchObject({ status: 'fixed', ranges: [{ introduced: '0', fixed: '0:1.8.23-10.el7_9.1' }], note: 'source package; RHSA-2021:0221' });
    expect(affects(row, '1.8.23-4.el7_7.2')).toBe(true);
    expect(affects(row, '1.8.23-10.el7_9.1')).toBe(false);
  });

  it('CVE-2021-4034: polkit fixed in 0.112-26.el7_9.1; the host has 0.112-22.el7_7.1', () => {
    const row = rhel7('CVE-2021-4034.json', 'polkit');
    expect(row).toMatchObject({ status: 'fixed', ranges: [{ introduced: '0', fixed: '0:0.112-26.el7_9.1' }], note: 'source package; RHSA-2022:0274' });
    expect(affects(row, '0.112-22.el7_7.1')).toBe(true);
  });

  it('CVE-2019-12735: the source package vim, fixed in 2:7.4.160-6.el7_6 (RHSA-2019:1619)', () => {
    const row = rhel7('CVE-2019-12735.json', 'vim');
    expect(row).toMatchObject({ status: 'fixed', ranges: [{ introduced: '0', fixed: '2:7.4.160-6.el7_6' }], binaryNames: null });
    // The row names the source RPM: vim-minimal, vim-common… match through their source RPM `vim`.
    expect(isSourcePackageRow(row)).toBe(true);
    expect(affects(row, '2:7.4.629-6.el7')).toBe(false); // the CentOS 7.7 host's vim-minimal
    expect(affects(row, '2:7.4.160-5.el7')).toBe(true);
  });
});

describe('parseRedHatSecurityData normalization', () => {
  it('maps extended streams to channels and RHEL 5 "Out of support scope" to end_of_life', () => {
    const r = parseRedHatSecurityData(read('happy', 'CVE-2019-12735.json'));
    expect(r.problems).toEqual([]);
    expect(r.affected.map((a) => `${a.release} ${a.channel ?? '-'} ${a.status} ${a.ranges[0]?.fixed ?? ''}`)).toEqual([
      '6 - fixed 2:7.4.629-5.el6_10.2',
      '7 - fixed 2:7.4.160-6.el7_6',
      '7 eus:7.4 fixed 2:7.4.160-2.el7_4.1',
      '7 eus:7.5 fixed 2:7.4.160-4.el7_5.1',
      '8 - fixed 2:8.0.1763-11.el8_0',
      '5 - end_of_life ',
    ]);
    expect(r.affected.at(-1)).toMatchObject({ ranges: [{ introduced: '0' }], note: 'source package; Out of support scope' });
    const a = r.advisories[0]!;
    expect(a).toMatchObject({
      id: 'CVE-2019-12735',
      source: 'redhat-securitydata',
      cves: ['CVE-2019-12735'],
      relatedIds: ['RHSA-2019:1619', 'RHSA-2019:1774', 'RHSA-2019:1793', 'RHSA-2019:1947'],
      title: "CVE-2019-12735 vim/neovim: ':source!' command allows arbitrary command execution via modelines",
      severity: { vendor: 'Important', normalized: 'high' },
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:L', baseScore: 5.3, source: 'secalert@redhat.com' }],
      published: '2019-06-05T00:00:00Z',
    });
    expect(a.description).toMatch(/^getchar\.c in Vim before 8\.1\.1365[^]*\n\nStatement: To be successfully[^]*\n\nMitigation: The vulnerability can be triggered only if `modeline` is enabled/);
  });

  it('keeps the first of successive fixes of one stream, and reads the hydra mitigation object', () => {
    const r = parseRedHatSecurityData(read('happy', 'hydra-cve-2024-8088.json'));
    expect(r.affected).toMatchObject([{ packageName: 'python3.9', release: '9', channel: null, ranges: [{ fixed: '0:3.9.18-3.el9_4.5' }], note: 'source package; RHSA-2024:6163' }]);
    expect(r.problems).toEqual([
      {
        record: 'CVE-2024-8088',
        message:
          'one stream lists several fixes (successive errata or cpe:/a and cpe:/o variants); the first fix is kept: python3.9 (rhel 9): 0:3.9.18-3.el9_4.5 and 0:3.9.19-8.el9',
      },
    ]);
    const bind = parseRedHatSecurityData(read('happy', 'hydra-cve-2021-25220.json'));
    expect(bind.advisories[0]?.description).toMatch(/\n\nMitigation: If applicable, modify your configuration/);
    expect(new Set(bind.affected.map((a) => `${a.packageName} ${a.release} ${a.channel ?? '-'} ${a.ranges[0]?.fixed ?? ''}`))).toEqual(
      new Set([
        'bind 6 els 32:9.8.2-0.68.rc1.el6_10.17',
        'bind 7 - 32:9.11.4-26.P2.el7_9.13',
        'bind9.16 8 - 32:9.16.23-0.9.el8.1',
        'bind 8 - 32:9.11.36-5.el8',
        'bind 8 aus:8.2 32:9.11.13-6.el8_2.11',
        'bind 8 aus:8.4 32:9.11.26-4.el8_4.8',
        'bind 8 eus-long-life:8.4 32:9.11.26-4.el8_4.8',
        'bind9.16 8 aus:8.6 32:9.16.23-0.7.el8_6.9',
        'bind 8 eus:8.6 32:9.11.36-3.el8_6.7',
        'dhcp 8 eus:8.6 12:4.3.6-47.el8_6.2',
        'bind9.16 8 tus:8.6 32:9.16.23-0.7.el8_6.9',
        'bind9.16 8 e4s:8.6 32:9.16.23-0.7.el8_6.9',
        'bind 9 - 32:9.16.23-5.el9_1',
        'dhcp 9 - 12:4.4.2-17.b1.el9',
        'bind 9 e4s:9.0 32:9.16.23-1.el9_0.11',
      ]),
    );
  });

  it('skips flatpaks and layered products, reporting them', () => {
    const r = parseRedHatSecurityData(read('happy', 'CVE-2023-4863.json'));
    expect(r.problems.map((p) => p.message)).toEqual([
      'rows skipped for packages that are not RPMs (module builds, container images, flatpaks): firefox:flatpak/firefox (1), thunderbird:flatpak/thunderbird (1)',
    ]);
    const r2 = parseRedHatSecurityData(read('happy', 'CVE-2017-3509.json'));
    expect(r2.problems.map((p) => p.message)).toEqual([
      'rows skipped for products that are not RHEL releases: cpe:/a:redhat:network_satellite:5 (2), cpe:/a:redhat:network_satellite:5.8::el6 (2)',
    ]);
    expect(r2.affected.find((a) => a.packageName === 'java-1.8.0-ibm' && a.release === '7')).toMatchObject({ channel: null, status: 'fixed' });
  });

  it('reads module components of package_state', () => {
    const r = parseRedHatSecurityDataValue({
      name: 'CVE-2023-5869',
      package_state: [{ product_name: 'Red Hat Enterprise Linux 8', fix_state: 'Affected', package_name: 'postgresql:10/postgresql', cpe: 'cpe:/o:redhat:enterprise_linux:8' }],
    });
    expect(r.affected).toMatchObject([{ packageName: 'postgresql', moduleStream: 'postgresql:10', status: 'affected', ranges: [{ introduced: '0' }] }]);
  });

  it('accepts an array of CVE documents', () => {
    const r = parseRedHatSecurityDataValue([JSON.parse(read('happy', 'CVE-2021-3156.json').toString()), 'x']);
    expect(r.advisories.map((a) => a.id)).toEqual(['CVE-2021-3156']);
    expect(r.problems).toEqual([{ record: '[1]', message: 'record is string, not an object' }]);
  });
});

describe('parseRedHatSecurityData sad cases', () => {
  it('truncated JSON, a JSON string and an object without CVE fields are document errors', () => {
    expectDocumentError(() => parseRedHatSecurityData(read('sad', 'truncated.json')), /^failed to parse Red Hat Security Data API document: not valid JSON/);
    expectDocumentError(() => parseRedHatSecurityData(read('sad', 'wrong-top-level.json')), /got string/);
    expectDocumentError(() => parseRedHatSecurityData(read('sad', 'no-cve-fields.json')), /none of the fields name, affected_release, package_state/);
  });

  it('a bad CVSS vector is reported and left out', () => {
    const r = parseRedHatSecurityData(read('sad', 'bad-cvss-vector.json'));
    expect(r.advisories[0]?.cvss).toEqual([]);
    expect(r.problems).toEqual([
      { record: 'CVE-2019-12735', message: 'cvss3: invalid CVSS vector "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:Q": unknown metric or metric value; ignored' },
    ]);
  });

  it('bad entries are reported one by one; the good ones are kept', () => {
    const r = parseRedHatSecurityData(read('sad', 'bad-entries.json'));
    expect(r.problems.map((p) => p.message)).toEqual([
      'affected_release[0] (Red Hat Enterprise Linux 6 Extended Lifecycle Support) has no package or cpe; skipped',
      'affected_release[1]: package "sudo" is not a name-[epoch:]version-release; skipped',
      'package_state[3] is number, not an object; ignored',
      'package_state[0]: unknown fix_state "Wontfix maybe" for sudo; skipped',
      'unknown threat_severity "Severe"',
      'rows skipped for products that are not RHEL releases: cpe:/a:redhat:openshift:4.16::el9 (1)',
      'rows skipped for packages that are not RPMs (module builds, container images, flatpaks): module build postgresql:13-8090020231114113548.a75119d5 (1), rhel8/sudo-container (1)',
    ]);
    expect(r.affected.length).toBeGreaterThan(5);
    expect(r.advisories[0]?.severity).toEqual({ vendor: null, normalized: 'high' });
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every Security Data API file of the shared data', data), () => {
  it('parses the 14 CVE and 2 hydra documents; problems: layered products (Satellite 5), flatpaks, successive fixes', () => {
    const files = [
      ...listFiles(path.join(data ?? '', 'redhat', 'securitydata-api', 'cve')),
      ...listFiles(path.join(data ?? '', 'redhat', 'securitydata-api', 'hydra')),
    ];
    expect(files).toHaveLength(16);
    let affected = 0;
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    for (const f of files) {
      const r = parseRedHatSecurityData(fs.readFileSync(f));
      expect(r.advisories).toHaveLength(1);
      expect(r.advisories[0]?.id.toLowerCase()).toBe(path.basename(f, '.json').toLowerCase());
      for (const a of r.affected) {
        affected++;
        statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        expect(isSourcePackageRow(a)).toBe(true);
        expect(a.distro).toBe('rhel');
      }
      for (const p of r.problems) problems.push(`${path.basename(f)}: ${p.message.replace(/:.*/, '')}`);
    }
    expect({ affected, statuses }).toEqual({ affected: 240, statuses: { fixed: 203, will_not_fix: 20, end_of_life: 12, not_affected: 5 } });
    expect(problems).toEqual([
      'CVE-2017-3509.json: rows skipped for products that are not RHEL releases',
      'CVE-2017-3511.json: rows skipped for products that are not RHEL releases',
      'CVE-2017-3533.json: rows skipped for products that are not RHEL releases',
      'CVE-2017-3539.json: rows skipped for products that are not RHEL releases',
      'CVE-2017-3544.json: rows skipped for products that are not RHEL releases',
      'CVE-2022-1921.json: rows skipped for packages that are not RPMs (module builds, container images, flatpaks)',
      'CVE-2022-1923.json: rows skipped for packages that are not RPMs (module builds, container images, flatpaks)',
      'CVE-2022-1925.json: rows skipped for packages that are not RPMs (module builds, container images, flatpaks)',
      'CVE-2023-4863.json: rows skipped for packages that are not RPMs (module builds, container images, flatpaks)',
      'CVE-2023-5129.json: rows skipped for packages that are not RPMs (module builds, container images, flatpaks)',
      'cve-2024-8088.json: one stream lists several fixes (successive errata or cpe',
    ]);
  });
});
