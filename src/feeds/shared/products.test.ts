import { describe, expect, it } from 'vitest';
import type { AffectedPackage } from '../../domain/advisory.js';
import { parsePurl } from './purl.js';
import { isSourcePackageRow, mapRhelFamilyCpe, redHatFixState, sourcePackageNote, splitNevr } from './redhat.js';
import { RowSet } from './rows.js';
import { mapSuseProduct } from './suse-products.js';

describe('mapRhelFamilyCpe', () => {
  it.each([
    ['cpe:/o:redhat:enterprise_linux:7', 'rhel 7 -'],
    ['cpe:/o:redhat:enterprise_linux:7::server', 'rhel 7 -'],
    ['cpe:/a:redhat:enterprise_linux:8::appstream', 'rhel 8 -'],
    ['cpe:/o:redhat:enterprise_linux:7::hypervisor', 'rhel 7 -'],
    ['cpe:/a:redhat:rhel_extras_oracle_java:7', 'rhel 7 -'],
    ['cpe:/o:redhat:rhel_eus:8.6::baseos', 'rhel 8 eus:8.6'],
    ['cpe:/a:redhat:rhel_aus:8.6::appstream', 'rhel 8 aus:8.6'],
    ['cpe:/o:redhat:rhel_e4s:7.6::server', 'rhel 7 e4s:7.6'],
    ['cpe:/o:redhat:rhel_tus:7.6::server', 'rhel 7 tus:7.6'],
    ['cpe:/a:redhat:rhel_eus_long_life:8.4', 'rhel 8 eus-long-life:8.4'],
    ['cpe:/o:redhat:rhel_els:6', 'rhel 6 els'],
    ['cpe:2.3:o:ciq:rocky_linux_from_ciq:9:*:*:*:*:*:*:*', 'rocky 9 ciq'],
    ['cpe:2.3:o:ciq:rocky_linux_from_ciq:8.10:*:*:*:*:*:*:*', 'rocky 8 ciq:8.10'],
    ['cpe:2.3:o:ciq:rocky_linux_from_ciq_lts:9.2:*:*:*:*:*:*:*', 'rocky 9 ciq-lts:9.2'],
  ])('%s → %s', (cpe, want) => {
    const t = mapRhelFamilyCpe(cpe);
    expect(t === null ? null : `${t.distro} ${t.release} ${t.channel ?? '-'}`).toBe(want);
  });

  it.each([
    'cpe:/a:redhat:openshift:4.16::el9',
    'cpe:/a:redhat:rhel_satellite_client:6::el7',
    'cpe:/a:redhat:network_satellite:5.8::el6',
    'cpe:/a:redhat:jboss_core_services:1::el8',
    'cpe:2.3:o:ciq:centos_linux_bridge:7.9:*:*:*:*:*:*:*',
    'cpe:/o:suse:sles:15',
    'not a cpe',
  ])('%s is not mapped', (cpe) => {
    expect(mapRhelFamilyCpe(cpe)).toBeNull();
  });
});

describe('Red Hat fix states and NEVRs', () => {
  it('maps fix states', () => {
    expect(['Affected', 'Will not fix', 'Fix deferred', 'Out of support scope', 'Not affected', 'Under investigation', 'New', 'Bogus'].map(redHatFixState)).toEqual([
      'affected',
      'will_not_fix',
      'fix_deferred',
      'end_of_life',
      'not_affected',
      'under_investigation',
      'under_investigation',
      null,
    ]);
  });

  it('splits source NEVRs with the epoch after the name', () => {
    expect(splitNevr('vim-2:7.4.160-6.el7_6')).toEqual({ name: 'vim', evr: '2:7.4.160-6.el7_6' });
    expect(splitNevr('java-1.8.0-openjdk-1:1.8.0.131-2.b11.el7_3')).toEqual({ name: 'java-1.8.0-openjdk', evr: '1:1.8.0.131-2.b11.el7_3' });
    expect(splitNevr('sudo')).toBeNull();
    expect(splitNevr('a-1')).toBeNull();
  });

  it('marks source-package rows in the note', () => {
    expect(sourcePackageNote(null)).toBe('source package');
    expect(sourcePackageNote('RHSA-2019:1619')).toBe('source package; RHSA-2019:1619');
    expect(isSourcePackageRow({ note: 'source package; Will not fix' })).toBe(true);
    expect(isSourcePackageRow({ note: 'source packages' })).toBe(false);
    expect(isSourcePackageRow({ note: null })).toBe(false);
  });
});

describe('mapSuseProduct', () => {
  it.each([
    ['SUSE Linux Enterprise Server 15 SP5', 'sles 15.5 -'],
    ['SUSE Linux Enterprise Server 15', 'sles 15 -'],
    ['SUSE Linux Enterprise Server 12 SP5', 'sles 12.5 -'],
    ['SUSE Linux Enterprise Server 15 SP1-LTSS', 'sles 15.1 ltss'],
    ['SUSE Linux Enterprise Server 15-LTSS', 'sles 15 ltss'],
    ['SUSE Linux Enterprise Server 15 SP1-BCL', 'sles 15.1 bcl'],
    ['SUSE Linux Enterprise Server for SAP Applications 15 SP2', 'sles_sap 15.2 -'],
    ['SUSE Linux Enterprise Desktop 15 SP3', 'sled 15.3 -'],
    ['SUSE Linux Enterprise High Performance Computing 15 SP3-ESPOS', 'sle_hpc 15.3 espos'],
    ['SUSE Linux Enterprise Micro 5.5', 'sle-micro 5.5 -'],
    ['SUSE Linux Enterprise Module for Basesystem 15 SP5', 'sles 15.5 module-basesystem'],
    ['SUSE Linux Enterprise Workstation Extension 15 SP2', 'sles 15.2 workstation-extension'],
    ['openSUSE Leap 15.5', 'opensuse-leap 15.5 -'],
    ['openSUSE Leap 15.5 NonFree', 'opensuse-leap 15.5 nonfree'],
    ['openSUSE Leap Micro 5.5', 'opensuse-leap-micro 5.5 -'],
    ['openSUSE Tumbleweed', 'opensuse-tumbleweed rolling -'],
  ])('%s → %s', (name, want) => {
    const t = mapSuseProduct(name);
    expect(t === null ? null : `${t.distro} ${t.release} ${t.channel ?? '-'}`).toBe(want);
  });

  it.each(['SUSE Linux Enterprise Storage 7', 'SUSE Manager Server 4.1', 'Red Hat Enterprise Linux 8'])('%s is not mapped', (name) => {
    expect(mapSuseProduct(name)).toBeNull();
  });
});

describe('parsePurl', () => {
  it('reads RPM, module and Debian purls', () => {
    expect(parsePurl('pkg:rpm/redhat/ruby@2.7.8-139.module%2Bel8.8.0%2B18745%2Bf1bef313?arch=aarch64&rpmmod=ruby:2.7:8080020230427102918:63b34585')).toEqual({
      type: 'rpm',
      namespace: 'redhat',
      name: 'ruby',
      version: '2.7.8-139.module+el8.8.0+18745+f1bef313',
      qualifiers: { arch: 'aarch64', rpmmod: 'ruby:2.7:8080020230427102918:63b34585' },
    });
    expect(parsePurl('pkg:rpm/redhat/curl?arch=src')).toMatchObject({ name: 'curl', version: null, qualifiers: { arch: 'src' } });
    expect(parsePurl('pkg:deb/ubuntu/curl@7.47.0-1ubuntu2.19%2Besm15?arch=source&distro=esm-infra/xenial')).toMatchObject({
      type: 'deb',
      name: 'curl',
      version: '7.47.0-1ubuntu2.19+esm15',
      qualifiers: { arch: 'source', distro: 'esm-infra/xenial' },
    });
  });

  it('rejects what is not a purl', () => {
    expect(parsePurl('curl')).toBeNull();
    expect(parsePurl('pkg:rpm')).toBeNull();
    expect(parsePurl('pkg:rpm/redhat/curl@%E0%A4%A')).toBeNull();
    expect(parsePurl('pkg:rpm/redhat/curl?arch')).toBeNull();
  });
});

describe('RowSet', () => {
  const row = (arch: string | null, fixed: string): AffectedPackage => ({
    source: 's',
    advisoryId: 'A',
    distro: 'rhel',
    release: '9',
    channel: null,
    packageName: 'p',
    binaryNames: null,
    moduleStream: null,
    arch,
    scheme: 'rpm',
    ranges: [{ introduced: '0', fixed }],
    versions: [],
    status: 'fixed',
    severity: null,
    note: null,
  });

  it('collapses architectures that agree', () => {
    const s = new RowSet();
    s.add(row('x86_64', '1.0-2'));
    s.add(row('aarch64', '1.0-2'));
    expect(s.rows()).toEqual([row(null, '1.0-2')]);
  });

  it('keeps one row per architecture when they disagree', () => {
    const s = new RowSet();
    s.add(row('x86_64', '1.0-2'));
    s.add(row('aarch64', '1.0-3'));
    expect(s.rows().map((r) => r.arch)).toEqual(['x86_64', 'aarch64']);
  });

  it('keeps the highest (or lowest) of two fixed versions and records the conflict once', () => {
    const hi = new RowSet('highest');
    const lo = new RowSet('lowest');
    for (const s of [hi, lo]) {
      s.add(row(null, '1.0-10'));
      s.add(row(null, '1.0-9'));
      s.add(row(null, '1.0-9'));
    }
    expect(hi.rows()[0]?.ranges).toEqual([{ introduced: '0', fixed: '1.0-10' }]);
    expect(lo.rows()[0]?.ranges).toEqual([{ introduced: '0', fixed: '1.0-9' }]);
    expect(hi.conflicts).toEqual(['p (rhel 9): 1.0-10 and 1.0-9']);
  });
});
