import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OsInfo, PackageManager, ParsedInventory } from '../../domain/inventory.js';
import { isVulsScanResult, mapVulsFamily, parseVulsScanResult } from './vuls.js';
import { expectAppError, expectPrototypeClean } from './testdata/assert.js';
import { expectGolden } from './testdata/golden.js';
import { hasSharedData, listShared, readShared } from './testdata/shared.js';

const TESTDATA = fileURLToPath(new URL('./testdata/vuls/', import.meta.url));
const REAL = fileURLToPath(new URL('./testdata/real/', import.meta.url));

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { serverName: 'web01', family: 'debian', release: '12', packages: {}, ...extra };
}

describe('mapVulsFamily', () => {
  it.each([
    ['redhat', '8.9', 'rhel', 'rpm'],
    ['centos', '7.7.1908', 'centos', 'rpm'],
    ['alma', '9.3', 'almalinux', 'rpm'],
    ['rocky', '9.3', 'rocky', 'rpm'],
    ['oracle', '9.0', 'ol', 'rpm'],
    ['amazon', '2', 'amzn', 'rpm'],
    ['fedora', '38', 'fedora', 'rpm'],
    ['suse.linux.enterprise.server', '15.5', 'sles', 'rpm'],
    ['suse.linux.enterprise.desktop', '15.5', 'sled', 'rpm'],
    ['opensuse.leap', '15.5', 'opensuse-leap', 'rpm'],
    ['opensuse.tumbleweed', '', 'opensuse-tumbleweed', 'rpm'],
    ['opensuse', 'tumbleweed', 'opensuse-tumbleweed', 'rpm'],
    ['opensuse', '13.2', 'opensuse', 'rpm'],
    ['debian', '12', 'debian', 'dpkg'],
    ['ubuntu', '22.04', 'ubuntu', 'dpkg'],
    ['raspbian', '11', 'raspbian', 'dpkg'],
    ['alpine', '3.19.1', 'alpine', 'apk'],
  ])('%s %s → %s (%s)', (family, release, id, manager) => {
    expect(mapVulsFamily(family, release)).toEqual({ id, manager });
  });

  it.each(['freebsd', 'windows', 'pseudo', 'suse.openstack.cloud', 'macos', ''])('%j is unsupported', (family) => {
    expect(mapVulsFamily(family, '1')).toBeNull();
  });
});

describe('parseVulsScanResult', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.trimmed.json'));

  it.each(cases)('%s matches its golden file', (file) => {
    const result = parseVulsScanResult(JSON.parse(readFileSync(join(TESTDATA, file), 'utf8')));
    expect(result.warnings).toEqual([]);
    expectGolden(join(TESTDATA, file.replace(/\.trimmed\.json$/, '.golden.json')), result);
  });

  it('splits the epoch off rpm versions, keeps the release and modularity label', () => {
    const inv = parseVulsScanResult(
      minimal({
        family: 'alma',
        release: '8.9',
        packages: {
          NetworkManager: { name: 'NetworkManager', version: '1:1.40.16', release: '9.el8', arch: 'x86_64', modularitylabel: '' },
          'perl-IO-Socket-SSL': {
            name: 'perl-IO-Socket-SSL',
            version: '2.066',
            release: '4.module_el8.6.0+2811+fe6c84b0',
            arch: 'noarch',
            modularitylabel: 'perl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456',
          },
          'gpg-pubkey': { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b', arch: '' },
        },
        SrcPackages: { NetworkManager: { name: 'NetworkManager', version: '1:1.40.16-9.el8', arch: 'src', binaryNames: ['NetworkManager'] } },
      }),
    );
    expect(inv.packages).toEqual([
      {
        manager: 'rpm',
        name: 'NetworkManager',
        epoch: '1',
        version: '1.40.16',
        release: '9.el8',
        evr: '1:1.40.16-9.el8',
        arch: 'x86_64',
        sourceName: 'NetworkManager',
        sourceVersion: '1.40.16-9.el8',
        vendor: null,
        modularityLabel: null,
        unparsedReason: null,
      },
      {
        manager: 'rpm',
        name: 'perl-IO-Socket-SSL',
        epoch: null,
        version: '2.066',
        release: '4.module_el8.6.0+2811+fe6c84b0',
        evr: '2.066-4.module_el8.6.0+2811+fe6c84b0',
        arch: 'noarch',
        sourceName: null,
        sourceVersion: null,
        vendor: null,
        modularityLabel: 'perl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456',
        unparsedReason: null,
      },
    ]);
    expect(inv.os).toEqual({
      id: 'almalinux',
      idLike: ['rhel', 'centos', 'fedora'],
      versionId: '8.9',
      codename: null,
      name: 'AlmaLinux',
      prettyName: 'AlmaLinux 8.9',
    });
  });

  it('maps dpkg binaries to their source package, defaulting to the binary itself', () => {
    const inv = parseVulsScanResult(
      minimal({
        packages: {
          bsdutils: { name: 'bsdutils', version: '1:2.38.1-5+deb12u3', release: '' },
          adduser: { name: 'adduser', version: '3.134', release: '' },
        },
        srcPackages: { 'util-linux': { name: 'util-linux', version: '2.38.1-5+deb12u3', binaryNames: ['bsdutils'] } },
      }),
    );
    expect(inv.packages.map((p) => [p.name, p.epoch, p.version, p.release, p.evr, p.sourceName, p.sourceVersion, p.arch])).toEqual([
      ['bsdutils', '1', '2.38.1', '5+deb12u3', '1:2.38.1-5+deb12u3', 'util-linux', '2.38.1-5+deb12u3', null],
      ['adduser', null, '3.134', null, '3.134', 'adduser', '3.134', null],
    ]);
    expect(inv.os).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
  });

  it('fills host, kernel and collectedAt', () => {
    const inv = parseVulsScanResult(
      minimal({
        scannedAt: '2021-03-24T15:20:39.666753334+09:00',
        runningKernel: { release: '6.1.0-29-amd64', version: '6.1.123-1', rebootRequired: false },
      }),
    );
    expect(inv.source).toBe('vuls');
    expect(inv.collectedAt?.toISOString()).toBe('2021-03-24T06:20:39.666Z');
    expect(inv.host).toEqual({ hostname: 'web01', fqdn: null, machineId: null, arch: null, kernelRelease: '6.1.0-29-amd64', kernelVersion: '6.1.123-1' });
  });

  it("treats Go's zero time as no time and reports an unreadable one", () => {
    expect(parseVulsScanResult(minimal({ scannedAt: '0001-01-01T00:00:00Z' })).collectedAt).toBeNull();
    const inv = parseVulsScanResult(minimal({ scannedAt: 'yesterday' }));
    expect(inv.collectedAt).toBeNull();
    expect(inv.warnings).toEqual(['scannedAt "yesterday" is not an RFC 3339 time; ignored']);
  });

  it('reports malformed package entries and Vuls scan errors as warnings', () => {
    const inv = parseVulsScanResult(
      minimal({
        errors: ['failed to scan'],
        packages: { a: 'not an object', b: { name: 'b', version: '' }, c: { version: '1.0' } },
        SrcPackages: [],
      }),
    );
    expect(inv.packages.map((p) => p.name)).toEqual(['c']);
    expect(inv.warnings).toEqual([
      'Vuls reported a scan error: failed to scan',
      'SrcPackages is an array, not an object; source packages unknown',
      'packages["a"] is not an object',
      'packages["b"] has no version',
    ]);
  });

  it('keeps __proto__ and constructor names as data', () => {
    const json: unknown = JSON.parse(
      '{"serverName":"h","family":"debian","release":"12",' +
        '"packages":{"__proto__":{"name":"__proto__","version":"1.0-1","polluted":"yes"},"constructor":{"name":"constructor","version":"2.0"},"libc6":{"name":"libc6","version":"2.36-9"}},' +
        '"SrcPackages":{"__proto__":{"name":"glibc","version":"2.36-9","binaryNames":["libc6","__proto__"]}}}',
    );
    const inv = parseVulsScanResult(json);
    expect(inv.packages.map((p) => [p.name, p.sourceName])).toEqual([
      ['__proto__', 'glibc'],
      ['constructor', 'constructor'],
      ['libc6', 'glibc'],
    ]);
    expectPrototypeClean();
  });

  it.each([
    [null, /must be a JSON object, got null/],
    [[1, 2], /must be a JSON object, got an array/],
    ['{"serverName":"x"}', /must be a JSON object, got a string/],
    [{}, /no serverName/],
    [{ serverName: 'h' }, /has no family/],
    [{ serverName: 'h', family: 'debian' }, /has no release/],
    [{ serverName: 'h', family: 'freebsd', release: '13', packages: {} }, /family "freebsd" is not supported/],
    [{ serverName: 'h', family: 'debian', release: '12' }, /for h has no packages object$/],
    [{ serverName: 'h', family: 'debian', release: '12', packages: [] }, /packages must be an object, got an array/],
    [{ serverName: 'h', family: 'pseudo', release: '', packages: null }, /family "pseudo" is not supported/],
  ])('rejects %j with ERR_INVENTORY_INVALID', (json, message) => {
    expectAppError(() => parseVulsScanResult(json), 'ERR_INVENTORY_INVALID', message);
  });

  it('recognises scan results', () => {
    expect(isVulsScanResult(minimal())).toBe(true);
    expect(isVulsScanResult({ serverName: 'h', family: 'debian', jsonVersion: 4 })).toBe(true);
    expect(isVulsScanResult({ schemaVersion: 1 })).toBe(false);
    expect(isVulsScanResult({ serverName: 'h', family: 'debian' })).toBe(false);
    expect(isVulsScanResult([])).toBe(false);
  });
});

type Expected = Pick<OsInfo, 'id' | 'versionId' | 'codename'> & { manager: PackageManager };

const rpm = (id: string, versionId: string): Expected => ({ id, versionId, codename: null, manager: 'rpm' });
const dpkg = (id: string, versionId: string, codename: string): Expected => ({ id, versionId, codename, manager: 'dpkg' });

/** Every Vuls scan result in the shared data and what it should become. */
const VULS: Record<string, Expected> = {
  'alma_10.json': rpm('almalinux', '10.0'),
  'alma_8.json': rpm('almalinux', '8.9'),
  'alpine_319.json': { id: 'alpine', versionId: '3.19.0', codename: null, manager: 'apk' },
  'amazon_1.json': rpm('amzn', '1'),
  'amazon_2.json': rpm('amzn', '2'),
  'amazon_2022.json': rpm('amzn', '2022'),
  'amazon_2_extra_kernel.json': rpm('amzn', '2'),
  'centos_7.json': rpm('centos', '7.7.1908'),
  'debian_10.json': dpkg('debian', '10', 'buster'),
  'debian_12.json': dpkg('debian', '12', 'bookworm'),
  'debian_9.json': dpkg('debian', '9', 'stretch'),
  'fedora_38.json': rpm('fedora', '38'),
  'opensuse_leap_15.json': rpm('opensuse-leap', '15.3'),
  'opensuse_leap_16_kernel-default-base.json': rpm('opensuse-leap', '16.0'),
  'opensuse_tumbleweed.json': rpm('opensuse-tumbleweed', 'tumbleweed'),
  'oracle_10.json': rpm('ol', '10.1'),
  'oracle_6.json': rpm('ol', '6.10'),
  'oracle_7.json': rpm('ol', '7.9'),
  'oracle_9.json': rpm('ol', '9.0'),
  'rhel_10.json': rpm('rhel', '10.0'),
  'rhel_610.json': rpm('rhel', '6.10'),
  'rhel_73.json': rpm('rhel', '7.3'),
  'rhel_80.json': rpm('rhel', '8.0'),
  'rocky_10.json': rpm('rocky', '10.1'),
  'rocky_8.json': rpm('rocky', '8.4'),
  'sles12.json': rpm('sles', '12.5'),
  'ubuntu_1404.json': dpkg('ubuntu', '14.04', 'trusty'),
  'ubuntu_1604.json': dpkg('ubuntu', '16.04', 'xenial'),
  'ubuntu_1804.json': dpkg('ubuntu', '18.04', 'bionic'),
  'ubuntu_2004.json': dpkg('ubuntu', '20.04', 'focal'),
  'ubuntu_2404.json': dpkg('ubuntu', '24.04', 'noble'),
};

/** Packages worth pinning in the summary goldens (the README's CentOS 7 walkthrough, epochs, modules, binNMUs). */
const SAMPLES: Record<string, string[]> = {
  centos_7: ['sudo', 'polkit', 'vim-minimal', 'bind-export-libs', 'kernel'],
  alma_8: ['NetworkManager', 'perl-IO-Socket-SSL', 'sudo', 'openssl-libs', 'kernel'],
  debian_12: ['bsdutils', 'libc6', 'openssl', 'automake'],
  ubuntu_2004: ['libaccountsservice0', 'bind9-dnsutils', 'sudo', 'openssl'],
  alpine_319: ['busybox', 'musl', 'libcrypto3', 'ssl_client'],
};

function summarize(inv: ParsedInventory, samples: string[]): unknown {
  return {
    source: inv.source,
    collectedAt: inv.collectedAt,
    host: inv.host,
    os: inv.os,
    warnings: inv.warnings,
    packages: inv.packages.length,
    withEpoch: inv.packages.filter((p) => p.epoch !== null).length,
    withSourceName: inv.packages.filter((p) => p.sourceName !== null).length,
    withModularityLabel: inv.packages.filter((p) => p.modularityLabel !== null).length,
    samples: inv.packages.filter((p) => samples.includes(p.name)),
  };
}

describe.skipIf(!hasSharedData)('parseVulsScanResult on every scan result in the shared data', () => {
  const files = listShared('vuls-scan-results');

  it('has an expectation for each of the 31 hosts', () => {
    expect(files.sort()).toEqual(Object.keys(VULS).sort());
  });

  it.each(files)('%s', (file) => {
    const json = JSON.parse(readShared('vuls-scan-results', file)) as { packages: Record<string, unknown>; SrcPackages?: unknown };
    const inv = parseVulsScanResult(json);
    const want = VULS[file]!;
    expect({ id: inv.os.id, versionId: inv.os.versionId, codename: inv.os.codename }).toEqual({ id: want.id, versionId: want.versionId, codename: want.codename });
    expect(inv.warnings).toEqual([]);
    expect(inv.host.hostname).toBe(file.replace(/\.json$/, ''));
    expect(inv.host.kernelRelease).not.toBeNull();
    expect(inv.collectedAt).toBeInstanceOf(Date);
    const names = Object.keys(json.packages).filter((n) => n !== 'gpg-pubkey');
    expect(inv.packages.map((p) => p.name)).toEqual(names);
    for (const p of inv.packages) {
      expect(p.manager).toBe(want.manager);
      expect(p.version).not.toBe('');
      expect(p.version).not.toContain(':');
      expect(p.evr.endsWith(p.release === null ? p.version : `${p.version}-${p.release}`)).toBe(true);
      // dpkg always knows the source; rpm and apk do when Vuls recorded SrcPackages.
      if (want.manager === 'dpkg' || json.SrcPackages !== undefined) expect(p.sourceName, p.name).not.toBeNull();
    }
  });

  it.each(Object.keys(SAMPLES))('%s matches its summary golden file', (host) => {
    const inv = parseVulsScanResult(JSON.parse(readShared('vuls-scan-results', `${host}.json`)));
    expectGolden(join(REAL, `vuls.${host}.summary.golden.json`), summarize(inv, SAMPLES[host]!));
  });

  it('gives the versions of the README walkthrough (CentOS 7)', () => {
    const inv = parseVulsScanResult(JSON.parse(readShared('vuls-scan-results', 'centos_7.json')));
    const evr = (name: string): string | undefined => inv.packages.find((p) => p.name === name)?.evr;
    expect(evr('sudo')).toBe('1.8.23-4.el7_7.2');
    expect(evr('polkit')).toBe('0.112-22.el7_7.1');
    expect(evr('vim-minimal')).toBe('2:7.4.629-6.el7');
  });
});
