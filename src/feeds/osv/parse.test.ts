import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { moduleStreamsOf, parseOsv, parseOsvValue } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const sad = (name: string): Buffer => fs.readFileSync(path.join(testdata, 'sad', name));

describe('parseOsv golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseOsv(fs.readFileSync(c.file))));
    });
  }
});

describe('parseOsv normalization', () => {
  const happy = (name: string) => parseOsv(fs.readFileSync(path.join(testdata, 'happy', `${name}.json`)));

  it('takes the module stream from the summary for module builds', () => {
    const r = happy('alsa-module-stream');
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'Important', normalized: 'high' });
    expect(new Set(r.affected.map((a) => a.moduleStream))).toEqual(new Set(['nodejs:20']));
    expect(r.problems).toEqual([]);
  });

  it('reports module builds whose summary names no stream', () => {
    const r = happy('alsa-module-without-stream');
    expect(r.affected.every((a) => a.moduleStream === null)).toBe(true);
    expect(r.problems).toEqual([
      { record: 'ALSA-2024:1690', message: expect.stringContaining('names no module stream') as unknown },
    ]);
  });

  it('keeps Ubuntu Pro apart in the channel, and an open range when only introduced is known', () => {
    const r = happy('ubuntu-cve-pro-and-fixed');
    const pro = r.affected.find((a) => a.channel === 'pro');
    expect(pro).toMatchObject({ distro: 'ubuntu', release: '16.04', packageName: 'wayland', status: 'fixed' });
    const open = happy('ubuntu-cve-introduced-only').affected[0];
    expect(open).toMatchObject({ status: 'affected', ranges: [{ introduced: '0' }] });
    expect(open?.versions.length).toBeGreaterThan(0);
  });

  it('maps Red Hat extended-update streams to the major release plus a channel', () => {
    const r = happy('rhsa-extended-streams');
    expect(new Set(r.affected.map((a) => `${a.distro} ${a.release} ${a.channel ?? ''}`))).toEqual(
      new Set(['rhel 8 aus:8.6', 'rhel 8 e4s:8.6', 'rhel 8 tus:8.6']),
    );
    expect(r.advisories[0]?.cves).toEqual(['CVE-2023-45288']);
    expect(r.advisories[0]?.relatedIds).toEqual(['GO-2024-2687']);
  });

  it('finds the CVEs of a USN through its upstream UBUNTU-CVE ids', () => {
    const a = happy('usn-cves-map').advisories[0];
    expect(a?.cves).toEqual(['CVE-2021-3782']);
    expect(a?.severity).toEqual({ vendor: 'medium', normalized: 'medium' });
  });

  it('keeps withdrawn records with their withdrawal date', () => {
    expect(happy('ubuntu-cve-withdrawn').advisories[0]?.withdrawn).toBe('2025-08-01T19:34:27Z');
  });
});

describe('moduleStreamsOf', () => {
  it.each([
    ['Moderate: nodejs:18 security update', ['nodejs:18']],
    ['Moderate: httpd:2.4/httpd security update', ['httpd:2.4']],
    ['Important: python39:3.9 and python39-devel:3.9 security update', ['python39:3.9', 'python39-devel:3.9']],
    ['Important: varnish security update', []],
    ['Red Hat Security Advisory: git-lfs security update', []],
  ])('%s', (summary, streams) => {
    expect(moduleStreamsOf(summary)).toEqual(streams);
  });
});

describe('parseOsv sad cases', () => {
  const documentError = (fn: () => unknown, text: RegExp): void => {
    let thrown: unknown;
    try {
      fn();
    } catch (e) {
      thrown = e;
    }
    expect(isAppError(thrown)).toBe(true);
    if (!isAppError(thrown)) return;
    expect(thrown.code).toBe('ERR_FEED_INVALID');
    expect(thrown.message).toMatch(/^failed to parse OSV document: /);
    expect(thrown.message).toMatch(text);
  };

  it('truncated JSON is a document error', () => {
    documentError(() => parseOsv(sad('truncated.json')), /not valid JSON/);
  });

  it('a JSON string is a document error', () => {
    documentError(() => parseOsv(sad('wrong-top-level.json')), /got string/);
  });

  it('an object without any OSV field is a document error', () => {
    documentError(() => parseOsv(sad('not-an-osv-object.json')), /none of the OSV fields/);
  });

  it('invalid UTF-8 is a document error', () => {
    documentError(() => parseOsv(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
  });

  it('a record without id is a problem, not an advisory', () => {
    const r = parseOsv(sad('missing-id.json'));
    expect(r.advisories).toEqual([]);
    expect(r.affected).toEqual([]);
    expect(r.problems).toEqual([{ record: 'record', message: 'record has no id' }]);
  });

  it('bad CVSS vectors are reported and left out; the advisory stays', () => {
    const r = parseOsv(sad('bad-cvss-vector.json'));
    expect(r.advisories).toHaveLength(1);
    expect(r.advisories[0]?.cvss).toEqual([]);
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'Important', normalized: 'high' });
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^severity\[0\]: invalid CVSS_V3 vector .*unknown metric or metric value/),
      expect.stringMatching(/^severity\[1\]: invalid CVSS_V3 vector .*declared as CVSS v3 but the vector is CVSS 4\.0/),
      expect.stringMatching(/^severity\[2\]: invalid CVSS_V3 vector .*base metrics incomplete/),
    ]);
  });

  it('unsupported ecosystems are reported; supported entries are kept', () => {
    const r = parseOsv(sad('unsupported-ecosystem.json'));
    expect(r.affected.map((a) => `${a.release} ${a.packageName}`)).toEqual(['12 intel-microcode']);
    expect(r.problems).toEqual([
      { record: 'DSA-5474-1', message: 'skipped affected entries of unsupported ecosystem(s): Debian:bogus, npm' },
    ]);
  });

  it('malformed events and non-ECOSYSTEM ranges are reported; the rest is paired', () => {
    const r = parseOsv(sad('bad-events.json'));
    expect(r.affected.map((a) => a.ranges)).toEqual([
      [{ fixed: '1.2.3-r4' }],
      [{ introduced: '0.9.13' }],
      [{ introduced: '0.9.13', fixed: '1.2.4-r3' }],
    ]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'affected[0] (musl): ranges[0]: fixed event without a preceding introduced; kept as a range from the start',
      'affected[1] (musl): ranges[0]: event {"introduced":"0","fixed":"1.2.3-r6"} must have exactly one of introduced, fixed, last_affected',
      'affected[1] (musl): ranges[0]: limit event ignored',
      'affected[2] (musl): ranges[1] has type GIT; only ECOSYSTEM ranges apply to distribution packages, range skipped',
    ]);
  });

  it('an array of records keeps the good ones and reports the others', () => {
    const r = parseOsv(sad('array-with-bad-records.json'));
    expect(r.advisories.map((a) => a.id)).toEqual(['DLA-3022-1']);
    expect(r.problems).toEqual([
      { record: '[1]', message: 'record is number, not an object' },
      { record: '[2]', message: 'record has no id' },
    ]);
  });

  it('versions their scheme rejects are kept as written and reported', () => {
    const r = parseOsvValue({
      id: 'DSA-0000-1',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'foo' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'not a version' }] }],
        },
      ],
    });
    expect(r.affected[0]?.ranges).toEqual([{ introduced: '0', fixed: 'not a version' }]);
    expect(r.problems).toEqual([
      { record: 'DSA-0000-1', message: expect.stringMatching(/^foo \(debian 12\): fixed "not a version" is not a valid dpkg version: /) as unknown },
    ]);
  });

  it('parseOsvValue accepts parsed JSON', () => {
    expect(parseOsvValue([]).advisories).toEqual([]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every OSV file of the shared data', data), () => {
  const dir = path.join(data ?? '', 'osv');

  it('parses AlmaLinux 8/9/10 into 987 + 1192 + 438 advisories with only the explained problems', () => {
    const all = new Set<string>();
    const problems: string[] = [];
    for (const [release, count] of [
      ['8', 987],
      ['9', 1192],
      ['10', 438],
    ] as const) {
      const files = listFiles(path.join(dir, 'almalinux', `almalinux${release}`));
      expect(files).toHaveLength(count);
      let advisories = 0;
      let withCves = 0;
      let affected = 0;
      for (const f of files) {
        const r = parseOsv(fs.readFileSync(f));
        for (const a of r.advisories) {
          advisories++;
          all.add(a.id);
          expect(a.source).toBe('osv:AlmaLinux');
          expect(a.id).toBe(path.basename(f, '.json').replace('_', ':'));
          if (a.cves.length > 0) withCves++;
        }
        for (const p of r.affected) {
          expect(p).toMatchObject({ distro: 'almalinux', scheme: 'rpm', status: 'fixed', channel: null });
          expect(['8', '9', '10']).toContain(p.release);
          affected++;
        }
        for (const p of r.problems) problems.push(`${p.record}: ${p.message}`);
      }
      expect(advisories).toBe(count);
      // A few (kernel-rt, toolbox…) list no CVE at all in the upstream record.
      expect(withCves / count).toBeGreaterThan(0.95);
      expect(affected).toBeGreaterThan(count);
    }
    // One ALSA can cover several releases (java, firefox…); AlmaLinux then publishes the same
    // record, byte for byte, in each release's folder: 2,591 distinct ids for 2,617 files.
    // An importer must key advisories by (source, id), not by file.
    expect(all.size).toBe(2591);
    // Module builds whose summary names no stream (varnish, 389-ds, pki-core) and one
    // advisory naming two different modules: both explained in parse.ts.
    expect([...new Set(problems)].sort()).toEqual([
      'ALSA-2023:5989: packages are module builds but the summary names no module stream; their moduleStream is null',
      'ALSA-2024:1690: packages are module builds but the summary names no module stream; their moduleStream is null',
      'ALSA-2024:3061: summary names several module streams (pki-core:10.6, pki-deps:10.6); module builds were assigned pki-core:10.6',
      'ALSA-2024:4235: packages are module builds but the summary names no module stream; their moduleStream is null',
      'ALSA-2024:4367: packages are module builds but the summary names no module stream; their moduleStream is null',
    ]);
  });

  it('assigns module streams to AlmaLinux 8 module builds', () => {
    const streams = new Map<string, number>();
    for (const f of listFiles(path.join(dir, 'almalinux', 'almalinux8'))) {
      for (const p of parseOsv(fs.readFileSync(f)).affected) {
        if (p.moduleStream !== null) streams.set(p.moduleStream, (streams.get(p.moduleStream) ?? 0) + 1);
      }
    }
    expect(streams.get('nodejs:18')).toBeGreaterThan(0);
    expect(streams.get('httpd:2.4')).toBeGreaterThan(0);
    expect(streams.size).toBeGreaterThan(20);
  });

  it('parses the Rocky, Ubuntu, Debian, Alpine and Red Hat records without problems', () => {
    const counts: Record<string, number> = {};
    for (const sub of ['rocky', 'ubuntu', 'debian', 'alpine', 'redhat']) {
      for (const f of listFiles(path.join(dir, sub))) {
        const r = parseOsv(fs.readFileSync(f));
        expect(r.problems).toEqual([]);
        expect(r.advisories).toHaveLength(1);
        counts[sub] = (counts[sub] ?? 0) + r.affected.length;
      }
    }
    expect(counts).toEqual({ rocky: 5, ubuntu: 52, debian: 7, alpine: 9, redhat: 237 });
  });
});
