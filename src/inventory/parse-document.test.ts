import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { PackageSectionFormat } from '../domain/inventory.js';
import { detectInventoryKind, parseInventoryDocument, parseInventoryJson } from './parse-document.js';
import { expectAppError, expectPrototypeClean } from './parsers/testdata/assert.js';
import { expectGolden } from './parsers/testdata/golden.js';

const TESTDATA = fileURLToPath(new URL('./parsers/testdata/', import.meta.url));
const fixture = (...parts: string[]): string => readFileSync(join(TESTDATA, ...parts), 'utf8');

const DEBIAN12_FILES = {
  '/etc/os-release': fixture('document', 'debian12.os-release'),
  '/etc/debian_version': fixture('document', 'debian12.debian_version'),
};

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    agent: { name: 'mamori-agent', version: '0.1.0' },
    collectedAt: '2026-11-25T18:00:00Z',
    root: '/',
    host: {
      hostname: 'web01',
      fqdn: 'web01.example.jp',
      machineId: '4f1c0d4e5b7a4b0b9d0c1e2f3a4b5c6d',
      arch: 'x86_64',
      kernelRelease: '6.1.0-29-amd64',
      kernelVersion: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.123-1 (2025-01-02)',
    },
    files: DEBIAN12_FILES,
    packages: [{ format: 'dpkg-query-v1', data: fixture('dpkg', 'debian12.dpkg-query.txt') }],
    ...overrides,
  };
}

describe('parseInventoryDocument', () => {
  const cases: { name: string; files: Record<string, string>; sections: [PackageSectionFormat, string][] }[] = [
    { name: 'debian12', files: DEBIAN12_FILES, sections: [['dpkg-query-v1', fixture('dpkg', 'debian12.dpkg-query.txt')]] },
    {
      name: 'rhel9',
      files: { '/etc/os-release': fixture('document', 'rhel9.os-release'), '/etc/redhat-release': fixture('document', 'rhel9.redhat-release') },
      sections: [['rpm-qf-v1', fixture('rpm', 'ubi9-httpd-24.txt')]],
    },
    {
      name: 'alpine318',
      files: { '/etc/os-release': fixture('os-release', 'alpine-3.18.os-release'), '/etc/alpine-release': '3.18.4\n' },
      sections: [['apk-installed', fixture('apk', 'osv-scalibr-installed.agent.txt')]],
    },
    {
      name: 'ubuntu-status',
      files: { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\nDISTRIB_CODENAME=bionic\nDISTRIB_DESCRIPTION="Ubuntu 18.04.2 LTS"\n' },
      sections: [['dpkg-status', fixture('dpkg', 'trivy-ubuntu.status')]],
    },
  ];

  it.each(cases)('$name matches its golden file', ({ name, files, sections }) => {
    const inv = parseInventoryDocument(document({ files, packages: sections.map(([format, data]) => ({ format, data })) }));
    expect(inv.warnings).toEqual([]);
    expectGolden(join(TESTDATA, 'document', `${name}.golden.json`), inv);
  });

  it('fills host, OS and time from the document', () => {
    const inv = parseInventoryDocument(document());
    expect(inv.source).toBe('agent');
    expect(inv.collectedAt).toEqual(new Date('2026-11-25T18:00:00Z'));
    expect(inv.host).toEqual({
      hostname: 'web01',
      fqdn: 'web01.example.jp',
      machineId: '4f1c0d4e5b7a4b0b9d0c1e2f3a4b5c6d',
      arch: 'x86_64',
      kernelRelease: '6.1.0-29-amd64',
      kernelVersion: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.123-1 (2025-01-02)',
    });
    expect(inv.os).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm' });
    expect(inv.packages).toHaveLength(33);
  });

  it('turns empty and absent optional fields into null', () => {
    const inv = parseInventoryDocument(document({ host: { hostname: 'web01', fqdn: '', machineId: '' }, collectedAt: undefined, agent: undefined, root: undefined }));
    expect(inv.host).toEqual({ hostname: 'web01', fqdn: null, machineId: null, arch: null, kernelRelease: null, kernelVersion: null });
    expect(inv.collectedAt).toBeNull();
  });

  it('reads an unparseable collectedAt as null with a warning', () => {
    const inv = parseInventoryDocument(document({ collectedAt: 'Wed Nov 25 18:00:00 UTC 2026' }));
    expect(inv.collectedAt).toBeNull();
    expect(inv.warnings).toEqual(['collectedAt "Wed Nov 25 18:00:00 UTC 2026" is not an RFC 3339 time; ignored']);
  });

  it('concatenates sections and prefixes their warnings with the section', () => {
    const inv = parseInventoryDocument(
      document({
        packages: [
          { format: 'dpkg-query-v1', data: 'a\t1.0\tamd64\ta\t1.0\tinstall ok installed\nbroken\n' },
          { format: 'dpkg-status', data: 'Package: b\nStatus: install ok installed\nVersion: 2.0\n\nVersion: 3\n' },
        ],
      }),
    );
    expect(inv.packages.map((p) => p.name)).toEqual(['a', 'b']);
    expect(inv.warnings).toEqual([
      'packages[0] (dpkg-query-v1): line 2: expected 6 tab-separated fields, got 1: "broken"',
      'packages[1] (dpkg-status): line 5: stanza has no Package field',
    ]);
  });

  it('keeps at most 100 warnings per section', () => {
    const data = Array.from({ length: 250 }, (_, i) => `junk line ${i}`).join('\n');
    const inv = parseInventoryDocument(document({ packages: [{ format: 'rpm-qf-v1', data }] }));
    expect(inv.warnings).toHaveLength(101);
    expect(inv.warnings[100]).toBe('packages[0] (rpm-qf-v1): … and 150 more warnings');
  });

  it('accepts an empty package list', () => {
    expect(parseInventoryDocument(document({ packages: [] })).packages).toEqual([]);
  });

  it.each([null, [], 'text', 42, true])('rejects the non-object %j with ERR_INVENTORY_INVALID', (doc) => {
    expectAppError(() => parseInventoryDocument(doc), 'ERR_INVENTORY_INVALID', /must be a JSON object/);
  });

  it.each([
    [2, /must be 1, got 2/],
    ['1', /must be 1, got "1"/],
    [1.5, /got 1.5/],
    [null, /got null/],
    [undefined, /got none/],
  ])('rejects schemaVersion %j with ERR_INVENTORY_SCHEMA_VERSION', (schemaVersion, message) => {
    expectAppError(() => parseInventoryDocument(document({ schemaVersion })), 'ERR_INVENTORY_SCHEMA_VERSION', message);
  });

  it.each([
    ['no host', { host: undefined }, /host must be an object, got nothing/],
    ['host not an object', { host: 'web01' }, /host must be an object, got a string/],
    ['no hostname', { host: {} }, /host.hostname must be a non-empty string/],
    ['blank hostname', { host: { hostname: '  ' } }, /host.hostname must be a non-empty string/],
    ['numeric fqdn', { host: { hostname: 'a', fqdn: 1 } }, /host.fqdn must be a string, got a number/],
    ['no files', { files: undefined }, /files is required/],
    ['files an array', { files: [] }, /files must be an object/],
    ['a file content not a string', { files: { '/etc/os-release': 1 } }, /files\["\/etc\/os-release"\] must be a string/],
    ['no packages', { packages: undefined }, /packages is required/],
    ['packages not an array', { packages: {} }, /packages must be an array/],
    ['a section not an object', { packages: ['x'] }, /packages\[0\] must be an object/],
    ['a section without format', { packages: [{ data: '' }] }, /packages\[0\].format must be a string, got nothing/],
    ['a section without data', { packages: [{ format: 'apk-installed' }] }, /packages\[0\].data must be a string/],
    ['agent not an object', { agent: 'x' }, /agent must be an object/],
    ['collectedAt a number', { collectedAt: 1 }, /collectedAt must be a string/],
  ])('rejects a document with %s as ERR_VALIDATION', (_name, overrides, message) => {
    const err = expectAppError(() => parseInventoryDocument(document(overrides)), 'ERR_VALIDATION', message);
    expect(err.details).toHaveProperty('field');
  });

  it('rejects an unknown section format with ERR_INVENTORY_INVALID', () => {
    expectAppError(
      () => parseInventoryDocument(document({ packages: [{ format: 'rpm-qf-v2', data: '' }] })),
      'ERR_INVENTORY_INVALID',
      /packages\[0\].format "rpm-qf-v2" is not a known package section format \(rpm-qf-v1, dpkg-query-v1, dpkg-status, apk-installed\)/,
    );
  });

  it('rejects a document without a usable OS release with ERR_INVENTORY_NO_OS_RELEASE', () => {
    expectAppError(() => parseInventoryDocument(document({ files: {} })), 'ERR_INVENTORY_NO_OS_RELEASE');
    expectAppError(() => parseInventoryDocument(document({ files: { '/etc/os-release': 'NAME=Linux\n' } })), 'ERR_INVENTORY_NO_OS_RELEASE');
  });

  it('does not let __proto__ keys pollute prototypes', () => {
    const json: unknown = JSON.parse(
      JSON.stringify(document({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID=12\n' } }))
        .replace('"files":{', '"files":{"__proto__":"ID=evil\\n","constructor":"x",')
        .replace('"host":{', '"host":{"__proto__":{"polluted":"yes"},')
        .replace('"schemaVersion":1', '"__proto__":{"polluted":"yes"},"schemaVersion":1'),
    );
    const inv = parseInventoryDocument(json);
    expect(inv.os.id).toBe('debian');
    expect(inv.host.hostname).toBe('web01');
    expectPrototypeClean();
  });
});

describe('detectInventoryKind and parseInventoryJson', () => {
  const vuls = { serverName: 'web02', family: 'ubuntu', release: '22.04', packages: { bash: { name: 'bash', version: '5.1-6ubuntu1' } } };

  it('tells agent documents from Vuls scan results', () => {
    expect(detectInventoryKind(document())).toBe('agent');
    expect(detectInventoryKind({ schemaVersion: 7 })).toBe('agent');
    expect(detectInventoryKind(vuls)).toBe('vuls');
  });

  it.each([null, [], 'x', {}, { serverName: 'a' }])('rejects %j with ERR_INVENTORY_INVALID', (json) => {
    expectAppError(() => detectInventoryKind(json), 'ERR_INVENTORY_INVALID');
  });

  it('labels agent documents by how they came and Vuls results as vuls', () => {
    expect(parseInventoryJson(document()).source).toBe('agent');
    expect(parseInventoryJson(document(), 'upload').source).toBe('upload');
    const inv = parseInventoryJson(vuls, 'upload');
    expect(inv.source).toBe('vuls');
    expect(inv.os).toMatchObject({ id: 'ubuntu', versionId: '22.04', codename: 'jammy' });
    expect(inv.packages[0]).toMatchObject({ name: 'bash', sourceName: 'bash', release: '6ubuntu1' });
  });

  it('passes schema-version errors through', () => {
    expectAppError(() => parseInventoryJson({ schemaVersion: 2 }), 'ERR_INVENTORY_SCHEMA_VERSION');
  });
});

/** Fastest of `runs` timings of fn in milliseconds, after warming up. */
function timeMin(fn: () => unknown, runs = 30): number {
  for (let i = 0; i < 5; i++) fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** n distinct packages from a fixture's records (records repeated with a numbered name). */
function scale(records: string[], n: number, rename: (record: string, i: number) => string): string {
  return Array.from({ length: n }, (_, i) => rename(records[i % records.length]!, i)).join('');
}

describe('speed', () => {
  const N = 1500;
  const rpmLines = fixture('rpm', 'ubi9-httpd-24.txt').split(/(?<=\n)/);
  const dpkgLines = fixture('dpkg', 'debian12.dpkg-query.txt').split(/(?<=\n)/);
  const stanzas = fixture('dpkg', 'trivy-ubuntu.status')
    .split(/\n\n/)
    .filter((s) => s.includes('Status: install ok installed'))
    .map((s) => `${s.trim()}\n\n`);
  const apkStanzas = fixture('apk', 'osv-scalibr-single.installed')
    .split(/\n\n/)
    .map((s) => `${s.trim()}\n\n`);

  const sections: [PackageSectionFormat, string][] = [
    ['rpm-qf-v1', scale(rpmLines, N, (l, i) => l.replace(/^([^\t]+)/, `$1-${i}`))],
    ['dpkg-query-v1', scale(dpkgLines, N, (l, i) => l.replace(/^([^\t]+)/, `$1-${i}`))],
    ['dpkg-status', scale(stanzas, N, (s, i) => s.replace(/^Package: (.+)$/m, `Package: $1-${i}`))],
    ['apk-installed', scale(apkStanzas, N, (s, i) => s.replace(/^P:(.+)$/m, `P:$1-${i}`))],
  ];

  it.each(sections)(`parses a ${N}-package %s document well under 5 ms`, (format, data) => {
    const doc = document({ packages: [{ format, data }] });
    expect(parseInventoryDocument(doc).packages).toHaveLength(N);
    expect(timeMin(() => parseInventoryDocument(doc))).toBeLessThan(5);
  });
});
