import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseDebianAdvisoryList } from './parse-lists.js';
import { parseDebianTracker } from './parse.js';
import { debianCodenameOf, debianReleaseOf } from './releases.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (kind: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, kind, name));


describe('Debian tracker golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      const input = fs.readFileSync(c.file);
      const r = c.file.endsWith('.txt') ? parseDebianAdvisoryList(input) : parseDebianTracker(input);
      expectGolden(c.golden, sortedResult(r));
    });
  }
});

describe('parseDebianTracker', () => {
  it('maps resolved, not-affected, end-of-life and empty releases', () => {
    const r = parseDebianTracker(read('happy', 'tracker-excerpt.json'));
    expect(r.problems).toEqual([]);
    const status = (id: string, pkg: string, release: string) =>
      r.affected.find((a) => a.advisoryId === id && a.packageName === pkg && a.release === release);
    expect(status('CVE-2008-7220', 'prototypejs', '9')).toMatchObject({
      status: 'fixed',
      ranges: [{ introduced: '0', fixed: '1.6.0.2-1' }],
      severity: { vendor: 'high**', normalized: 'high' },
    });
    expect(status('CVE-2007-2383', 'prototypejs', '10')).toMatchObject({ status: 'not_affected', ranges: [] });
    expect(status('CVE-2022-0456', 'chromium', '10')).toMatchObject({ status: 'end_of_life', ranges: [{ introduced: '0' }] });
    expect(status('CVE-2022-0456', 'chromium', 'sid')).toMatchObject({ status: 'fixed' });
    // chromium-browser CVE-2022-0358 has `releases: []`: an advisory, no affected rows.
    expect(r.advisories.find((a) => a.id === 'CVE-2022-0358')).toBeDefined();
    expect(r.affected.filter((a) => a.advisoryId === 'CVE-2022-0358')).toEqual([]);
    expect(r.advisories.find((a) => a.id === 'CVE-2008-7220')?.severity).toEqual({ vendor: 'high**', normalized: 'high' });
  });

  it('maps nodsa reasons and undetermined', () => {
    const r = parseDebianTracker(read('happy', 'tracker-nodsa-derived.json'));
    const byRelease = Object.fromEntries(r.affected.map((a) => [a.release, [a.status, a.note]]));
    expect(byRelease).toEqual({
      '12': ['will_not_fix', 'Minor issue'],
      '11': ['fix_deferred', 'Minor issue'],
      '13': ['will_not_fix', 'Minor issue'],
      '10': ['end_of_life', null],
      '9': ['end_of_life', null],
      sid: ['under_investigation', null],
    });
  });

  it('reports bad entries and keeps the good ones', () => {
    const r = parseDebianTracker(read('sad', 'bad-entries.json'));
    expect(r.affected.filter((a) => a.packageName === 'prototypejs')).toHaveLength(8);
    expect(r.affected.filter((a) => a.packageName === 'backupninja')).toEqual([
      expect.objectContaining({ release: '11', status: 'affected', severity: { vendor: 'whenever', normalized: 'unknown' } }),
    ]);
    expect(r.problems).toEqual([
      { record: 'txt2man', message: 'package entry is string, not an object of issues' },
      { record: 'CVE-2005-3111 backupninja', message: 'issue is number, not an object' },
      { record: 'CVE-2005-3112 backupninja', message: 'unknown release codename "hamm2"; skipped' },
      { record: 'CVE-2005-3112 backupninja', message: 'stretch: unknown status "fixed"; skipped' },
      { record: 'CVE-2005-3112 backupninja', message: 'buster: resolved without a fixed_version; skipped' },
      { record: 'CVE-2005-3112 backupninja', message: 'bullseye: unknown urgency "whenever"' },
      { record: 'CVE-2005-3112 backupninja', message: 'release bookworm is string, not an object' },
      { record: 'CVE-2005-3113 backupninja', message: 'releases is string, not an object' },
    ]);
  });

  it('truncated JSON is a document error', () => {
    expectDocumentError(() => parseDebianTracker(read('sad', 'truncated.json')), /^failed to parse Debian security tracker JSON document: not valid JSON/);
  });

  it('the legacy per-release array format is a document error', () => {
    expectDocumentError(() => parseDebianTracker(read('sad', 'legacy-array.json')), /expected an object of source packages, got array/);
  });

  it('an object of non-objects is a document error', () => {
    expectDocumentError(() => parseDebianTracker('{"id": "CVE-2020-1", "modified": "x"}'), /not a tracker document/);
  });
});

describe('parseDebianAdvisoryList', () => {
  it('reads ids, dates, releases, markers and urgencies', () => {
    const r = parseDebianAdvisoryList(read('happy', 'dsa-list-excerpt.txt'));
    expect(r.problems).toEqual([]);
    expect(r.advisories.map((a) => a.id)).toEqual([
      'DSA-5380-1',
      'DSA-5378-1',
      'DSA-3700-1',
      'DSA-3699-1',
      'DSA-2360-1',
      'DSA-2359-1',
      'DSA-1304',
      'DSA-1302-1',
      'DSA-866-1',
      'DSA-858-1',
      'DSA-763-1',
    ]);
    expect(r.advisories[0]).toMatchObject({ source: 'debian-dsa', published: '2023-03-29', cves: ['CVE-2023-1393'], title: 'xorg-server - security update' });
    const pkg = (id: string) =>
      r.affected.filter((a) => a.advisoryId === id).map((a) => `${a.release} ${a.packageName} ${a.status} ${JSON.stringify(a.ranges)} ${a.note ?? '-'}`);
    expect(pkg('DSA-5380-1')).toEqual(['11 xorg-server fixed [{"introduced":"0","fixed":"2:1.20.11-1+deb11u6"}] -']);
    expect(pkg('DSA-3699-1')).toEqual(['8 virtualbox end_of_life [{"introduced":"0"}] -']);
    expect(pkg('DSA-866-1')).toEqual(['3.0 mozilla affected [{"introduced":"0"}] -']);
    expect(pkg('DSA-763-1')).toEqual([
      '3.0 zlib not_affected [] vulnerable code introduced later',
      '3.1 zlib fixed [{"introduced":"0","fixed":"1:1.2.2-4.sarge.2"}] medium',
    ]);
    expect(r.affected.find((a) => a.advisoryId === 'DSA-858-1')?.severity).toEqual({ vendor: 'medium', normalized: 'medium' });
    expect(r.affected.filter((a) => a.advisoryId === 'DSA-2360-1')).toEqual([]);
  });

  it('reports unreadable lines and keeps the rest', () => {
    const r = parseDebianAdvisoryList(read('sad', 'list-bad-lines.txt'));
    expect(r.advisories.map((a) => [a.id, a.published])).toEqual([
      ['DSA-5380-1', '2023-03-29'],
      ['DSA-5381-1', null],
    ]);
    expect(r.affected.map((a) => JSON.stringify(a.ranges))).toEqual([
      '[{"introduced":"0","fixed":"2:1.20.11-1+deb11u6"}]',
      '[{"introduced":"0","fixed":"1.0-1"}]',
    ]);
    expect(r.problems).toEqual([
      { record: 'line 1', message: 'indented line before the first advisory header' },
      { record: 'DSA-5380-1', message: 'unreadable release line: "[bullseye] xorg-server"' },
      { record: 'DSA-5380-1', message: 'unexpected line: "something unexpected"' },
      { record: 'DSA-5380-1', message: 'unknown release codename "hamm2"; skipped' },
      { record: 'DSA-5380-1', message: 'unknown marker <frobnicated> for xorg-server in bullseye; skipped' },
      { record: 'DSA-5381-1', message: 'unknown month "Foo" in the date' },
      { record: 'line 11', message: 'not an advisory header: "This line is not a header"' },
      { record: 'DSA-5380-1', message: 'listed twice; the later entry was skipped' },
    ]);
  });

  it('text that has no entry at all is a document error', () => {
    expectDocumentError(() => parseDebianAdvisoryList(read('sad', 'list-not-a-list.txt')), /^failed to parse Debian DSA\/DLA list document: no "\[date\] DSA/);
  });
});

describe('Debian releases', () => {
  it('maps codenames to major versions and back', () => {
    expect(debianReleaseOf('bookworm')).toBe('12');
    expect(debianReleaseOf('woody')).toBe('3.0');
    expect(debianReleaseOf('sid')).toBe('sid');
    expect(debianReleaseOf('toString')).toBeNull();
    expect(debianCodenameOf('12')).toBe('bookworm');
    expect(debianCodenameOf('99')).toBeNull();
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('the shared Debian data', data), () => {
  const dir = path.join(data ?? '', 'debian');

  it('parses every DSA and DLA entry of the tracker lists', () => {
    const dsa = parseDebianAdvisoryList(fs.readFileSync(path.join(dir, 'tracker-lists', 'DSA-list.shared-subset.txt')));
    expect(dsa.problems).toEqual([]);
    expect(dsa.advisories).toHaveLength(3543);
    const statuses = (r: typeof dsa) => {
      const s: Record<string, number> = {};
      for (const a of r.affected) s[a.status] = (s[a.status] ?? 0) + 1;
      return s;
    };
    expect(statuses(dsa)).toEqual({ fixed: 4540, not_affected: 41, end_of_life: 3, affected: 2 });
    const dla = parseDebianAdvisoryList(fs.readFileSync(path.join(dir, 'tracker-lists', 'DLA-list.shared-subset.txt')));
    expect(dla.problems).toEqual([]);
    expect(dla.advisories).toHaveLength(2372);
    expect(statuses(dla)).toEqual({ fixed: 2372, end_of_life: 1 });
    // LTS: squeeze-lts, wheezy-lts … buster.
    expect(new Set(dla.affected.map((a) => a.release))).toEqual(new Set(['6', '7', '8', '9', '10']));
  });

  it('parses the tracker JSON excerpt and rejects the legacy per-release file', () => {
    const r = parseDebianTracker(fs.readFileSync(path.join(dir, 'tracker-json', 'debian-tracker-excerpt.json')));
    expect(r.problems).toEqual([]);
    expect(r.advisories).toHaveLength(7);
    expect(r.affected).toHaveLength(25);
    expect(() => parseDebianTracker(fs.readFileSync(path.join(dir, 'tracker-json', 'legacy-vulnerabilities-debian-7.json')))).toThrow(
      /got array/,
    );
  });
});
