import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseUbuntuOpenVex, parseUbuntuOpenVexValue } from './parse.js';
import { mapUbuntuDistro, ubuntuReleaseOf } from './releases.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (dir: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, dir, name));
const line = (a: { release: string; channel: string | null; packageName: string; status: string; ranges: { fixed?: string }[] }): string =>
  `${a.release} ${a.channel ?? '-'} ${a.packageName} ${a.status} ${a.ranges[0]?.fixed ?? ''}`.trim();

describe('parseUbuntuOpenVex golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseUbuntuOpenVex(fs.readFileSync(c.file))));
    });
  }
});

describe('parseUbuntuOpenVex normalization', () => {
  it('curl: fixed per release, end of life, and Ubuntu Pro pockets as channels', () => {
    const r = parseUbuntuOpenVex(read('happy', 'CVE-2023-38545.json'));
    expect(r.problems).toEqual([]);
    expect(r.advisories[0]).toMatchObject({
      id: 'CVE-2023-38545',
      source: 'ubuntu-openvex',
      cves: ['CVE-2023-38545'],
      relatedIds: ['USN-6429-1', 'USN-6429-3'],
      severity: { vendor: null, normalized: 'unknown' },
      published: '2023-10-11T06:00:00Z',
      modified: '2026-05-20T15:02:47.589121Z',
    });
    expect(r.affected.map(line)).toEqual([
      '22.04 - curl fixed 7.81.0-1ubuntu1.24',
      '24.04 - curl fixed 8.5.0-2ubuntu10.9',
      '16.04 - curl end_of_life',
      '14.04 pro:legacy curl not_affected',
      '16.04 pro curl not_affected',
      '18.04 pro curl not_affected',
      '20.04 pro curl not_affected',
    ]);
    const jammy = r.affected[0]!;
    expect(jammy).toMatchObject({ distro: 'ubuntu', scheme: 'dpkg', arch: null, ranges: [{ introduced: '0', fixed: '7.81.0-1ubuntu1.24' }] });
    expect(jammy.binaryNames).toEqual(expect.arrayContaining(['curl', 'libcurl4', 'libcurl4-openssl-dev', 'curl-dbgsym']));
    expect(r.affected[3]?.note).toBe('vulnerable_code_not_present');
  });

  it('"decided to not fix" is will_not_fix even when the CVE notes mention deferring; binaries group under their source', () => {
    const r = parseUbuntuOpenVex(read('happy', 'CVE-2016-20013-excerpt.json'));
    expect(r.problems).toEqual([]);
    expect(r.affected.map(line)).toEqual([
      '14.04 - dietlibc will_not_fix',
      '14.04 pro:legacy eglibc will_not_fix',
      '14.04 pro:legacy zabbix will_not_fix',
      '16.04 - dietlibc will_not_fix',
      '16.04 - zabbix will_not_fix',
      '16.04 pro zabbix will_not_fix',
      '18.04 - dietlibc will_not_fix',
      '18.04 pro zabbix will_not_fix',
      '20.04 - dietlibc will_not_fix',
      '20.04 pro zabbix will_not_fix',
      '22.04 - dietlibc will_not_fix',
      '22.04 pro zabbix will_not_fix',
      '24.04 - dietlibc will_not_fix',
      '24.04 - zabbix not_affected',
    ]);
    expect(r.affected[0]?.binaryNames).toEqual(['dietlibc-dev', 'dietlibc-doc']);
    expect(r.affected.at(-1)).toMatchObject({ note: 'component_not_present', ranges: [] });
  });

  it('classifies the affected wordings', () => {
    const doc = (action: string) => ({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      statements: [{ vulnerability: { name: 'CVE-2024-0001' }, status: 'affected', action_statement: action, products: [{ '@id': 'pkg:deb/ubuntu/foo@1.0-1?arch=source&distro=jammy' }] }],
    });
    const status = (action: string): string | undefined => parseUbuntuOpenVexValue(doc(action)).affected[0]?.status;
    expect(status('This package (for the given release) is vulnerable to the CVE and needs fixing.')).toBe('affected');
    expect(status('This package (for the given release) is vulnerable to the CVE, the problem is understood, but the Ubuntu Security Team decided to not fix it.')).toBe('will_not_fix');
    expect(status('This package (for the given release) is no longer supported. Please upgrade your system.')).toBe('end_of_life');
    expect(status('This package (for the given release) is vulnerable to the CVE, but the fix is deferred to a later date.')).toBe('fix_deferred');
    expect(status('Needs fixing. CVE Notes / justification: we will not fix this in the deferred queue')).toBe('affected');
  });

  it('maps codenames and pockets', () => {
    expect(ubuntuReleaseOf('jammy')).toBe('22.04');
    expect(ubuntuReleaseOf('nope')).toBeNull();
    expect(mapUbuntuDistro('esm-apps/focal')).toEqual({ ok: true, release: '20.04', channel: 'pro' });
    expect(mapUbuntuDistro('fips-updates/jammy')).toEqual({ ok: true, release: '22.04', channel: 'pro:fips-updates' });
    expect(mapUbuntuDistro('esm-weird/jammy')).toEqual({ ok: false, why: 'unknown pocket "esm-weird"' });
  });
});

describe('parseUbuntuOpenVex sad cases', () => {
  it('truncated JSON, a foreign @context and no statements are document errors', () => {
    expectDocumentError(() => parseUbuntuOpenVex(read('sad', 'truncated.json')), /^failed to parse Ubuntu OpenVEX document: not valid JSON/);
    expectDocumentError(() => parseUbuntuOpenVex(read('sad', 'not-openvex.json')), /"@context" is "https:\/\/example\.com\/not-openvex", not an OpenVEX namespace/);
    expectDocumentError(() => parseUbuntuOpenVexValue({ '@context': 'https://openvex.dev/ns/v0.2.0' }), /statements is undefined, not an array/);
    expectDocumentError(() => parseUbuntuOpenVexValue({ '@context': 'https://openvex.dev/ns/v0.2.0', statements: [] }), /no statement names a CVE/);
    expectDocumentError(() => parseUbuntuOpenVexValue('x'), /got string/);
  });

  it('bad entries are reported; the rest is kept', () => {
    const r = parseUbuntuOpenVex(read('sad', 'bad-entries.json'));
    expect(r.affected.map(line)).toEqual(['14.04 pro:legacy curl not_affected', '16.04 pro curl not_affected', '18.04 pro curl not_affected', '20.04 pro curl not_affected']);
    expect(r.problems.map((p) => p.message)).toEqual([
      'statements[3]: unknown status "maybe"; skipped',
      'statements[4] is about "CVE-2099-0001", not CVE-2023-38545; skipped',
      'rows skipped for distro qualifiers that name no Ubuntu release we key: brandnew: unknown codename "brandnew" (1), esm-weird/xenial: unknown pocket "esm-weird" (1)',
      expect.stringMatching(/^binary packages listed without their source package \(skipped\): curl-dbgsym@7\.47\.0-1ubuntu2\.19 \(xenial\) \(7\), curl-dbgsym@8\.5\.0-2ubuntu10\.9 \(noble\) \(7\), /),
      'products that are not Debian package purls (skipped): pkg:rpm/redhat/curl@7.61.1-34.el8?arch=x86_64 (1)',
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every Ubuntu OpenVEX file of the shared data', data), () => {
  it('parses both documents without problems', () => {
    const files = listFiles(path.join(data ?? '', 'ubuntu', 'openvex'));
    expect(files.map((f) => path.basename(f))).toEqual(['CVE-2016-20013.json', 'CVE-2023-38545.json']);
    const counts = files.map((f) => {
      const r = parseUbuntuOpenVex(fs.readFileSync(f));
      expect(r.problems).toEqual([]);
      return [r.advisories.length, r.affected.length];
    });
    expect(counts).toEqual([
      [1, 36],
      [1, 7],
    ]);
  });
});
