import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyDpkgStatus, parseDpkgQuery, parseDpkgStatus, splitDpkgVersion } from './dpkg.js';
import { expectGolden } from './testdata/golden.js';
import { hasSharedData, listShared, readShared } from './testdata/shared.js';
import { readTxtar } from './testdata/txtar.js';

const TESTDATA = fileURLToPath(new URL('./testdata/dpkg/', import.meta.url));
const REAL = fileURLToPath(new URL('./testdata/real/', import.meta.url));

describe('splitDpkgVersion', () => {
  it.each([
    ['1:2.14.2-1', { epoch: '1', upstream: '2.14.2', revision: '1' }],
    ['2.36-9+deb12u14', { epoch: null, upstream: '2.36', revision: '9+deb12u14' }],
    ['3.134', { epoch: null, upstream: '3.134', revision: null }],
    ['1:1.35.0-4+deb12u1+b1', { epoch: '1', upstream: '1.35.0', revision: '4+deb12u1+b1' }],
    ['0.6.55-0ubuntu12~20.04.5', { epoch: null, upstream: '0.6.55', revision: '0ubuntu12~20.04.5' }],
    ['2023.06.26.c543406313-00', { epoch: null, upstream: '2023.06.26.c543406313', revision: '00' }],
    // Only syntax: the epoch ends at the first ':', the revision starts after the last '-'.
    ['1:2:3-a-b', { epoch: '1', upstream: '2:3-a', revision: 'b' }],
    ['11+200+deb10u5', { epoch: null, upstream: '11+200+deb10u5', revision: null }],
  ])('%s', (v, want) => {
    expect(splitDpkgVersion(v)).toEqual(want);
  });
});

describe('classifyDpkgStatus', () => {
  it.each([
    ['install ok installed', 'keep'],
    ['hold ok installed', 'keep'],
    ['install reinstreq half-installed', 'keep'],
    ['install ok unpacked', 'keep'],
    ['install ok half-configured', 'keep'],
    ['install ok triggers-awaited', 'keep'],
    ['install ok triggers-pending', 'keep'],
    ['deinstall ok config-files', 'drop'],
    ['purge ok not-installed', 'drop'],
    ['unknown ok not-installed', 'drop'],
    ['install ok', null],
    ['install ok weird-state', null],
    ['', null],
  ] as const)('%j → %s', (status, want) => {
    expect(classifyDpkgStatus(status)).toBe(want);
  });
});

describe('parseDpkgQuery', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.dpkg-query.txt'));

  it.each(cases)('%s matches its golden file', (file) => {
    const result = parseDpkgQuery(readFileSync(join(TESTDATA, file), 'utf8'));
    expect(result.warnings).toEqual([]);
    expectGolden(join(TESTDATA, file.replace(/\.txt$/, '.golden.json')), result);
  });

  it('maps a binNMU to its source version and splits epoch and revision', () => {
    const { packages } = parseDpkgQuery('busybox\t1:1.35.0-4+deb12u1+b1\tamd64\tbusybox\t1:1.35.0-4+deb12u1\tinstall ok installed\n');
    expect(packages).toEqual([
      {
        manager: 'dpkg',
        name: 'busybox',
        epoch: '1',
        version: '1.35.0',
        release: '4+deb12u1+b1',
        evr: '1:1.35.0-4+deb12u1+b1',
        arch: 'amd64',
        sourceName: 'busybox',
        sourceVersion: '1:1.35.0-4+deb12u1',
        vendor: null,
        modularityLabel: null,
        unparsedReason: null,
      },
    ]);
  });

  it('keeps packages whose files are on disk, drops removed ones, reports the rest', () => {
    const data = [
      'a\t1.0-1\tamd64\ta\t1.0-1\tinstall ok installed',
      'b\t1.0-1\tamd64\tb\t1.0-1\tdeinstall ok config-files',
      'c\t\t\t\t\tunknown ok not-installed',
      'd\t1.0-1\tamd64\td\t1.0-1\tinstall reinstreq half-installed',
      'e\t1.0-1\tamd64\te\t1.0-1\tinstall ok unpacked',
      'f\t1.0-1\tamd64\tf\t1.0-1\tinstall ok half-configured',
      'g\t1.0-1\tamd64\tg\t1.0-1\tinstall ok triggers-awaited',
      'h\t1.0-1\tall\th\t1.0-1\thold ok triggers-pending',
      'i\t1.0-1\tamd64\ti\t1.0-1\tinstall ok exploded',
      'j\t\tamd64\tj\t\tinstall ok installed',
      'five\tfields\tonly\there\tinstall ok installed',
      '\t1.0\tamd64\tx\t1.0\tinstall ok installed',
      '',
    ].join('\n');
    const { packages, warnings } = parseDpkgQuery(data);
    expect(packages.map((p) => p.name)).toEqual(['a', 'd', 'e', 'f', 'g', 'h']);
    expect(warnings).toEqual([
      'line 9: package i has an unrecognised Status "install ok exploded"',
      'line 10: package j has no Version',
      'line 11: expected 6 tab-separated fields, got 5: "five\\tfields\\tonly\\there\\tinstall ok installed"',
      'line 12: empty Package: "\\t1.0\\tamd64\\tx\\t1.0\\tinstall ok installed"',
    ]);
  });

  it('defaults the source to the package itself, as dpkg does, and accepts CRLF', () => {
    const { packages, warnings } = parseDpkgQuery('libfoo1\t2.0-3\t\t\t\tinstall ok installed\r\n');
    expect(warnings).toEqual([]);
    expect(packages[0]).toMatchObject({ sourceName: 'libfoo1', sourceVersion: '2.0-3', arch: null, epoch: null, version: '2.0', release: '3' });
  });
});

describe('parseDpkgStatus', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.status'));

  it.each(cases)('%s matches its golden file', (file) => {
    const result = parseDpkgStatus(readFileSync(join(TESTDATA, file), 'utf8'));
    expect(result.warnings).toEqual([]);
    expectGolden(join(TESTDATA, `${file}.golden.json`), result);
  });

  it('reads "Source: name (version)" for binNMUs and version skews', () => {
    const { packages } = parseDpkgStatus(
      'Package: util-linux-extra\nStatus: install ok installed\nArchitecture: amd64\nSource: util-linux (2.38.1-5)\nVersion: 2.38.1-5+b1\n',
    );
    expect(packages[0]).toMatchObject({ name: 'util-linux-extra', sourceName: 'util-linux', sourceVersion: '2.38.1-5', evr: '2.38.1-5+b1', release: '5+b1' });
  });

  it('drops removed packages, reports broken stanzas by line, and ignores continuation lines', () => {
    const data = [
      'Package: kept', // 1
      'Status: install ok installed',
      'Version: 1:1.0-1',
      'Description: one',
      ' continued',
      ' .',
      '', // 7
      'Package: removed', // 8
      'Status: deinstall ok config-files',
      'Version: 1.0-1',
      '',
      '',
      'Status: install ok installed', // 13
      'Version: 1.0',
      '',
      'Package: nostatus', // 16
      'Version: 1.0',
      '',
      'Package: noversion', // 19
      'Status: install ok installed',
      '',
      'Package: badsource', // 22
      'Status: install ok installed',
      'Version: 2.0',
      'Source: src [2.0]',
      'garbage line without colon', // 26
      '',
      'package: lowercase', // 28
      'STATUS: install ok installed',
      'version: 3.0',
      'architecture: all',
    ].join('\r\n');
    const { packages, warnings } = parseDpkgStatus(data);
    expect(packages.map((p) => [p.name, p.evr, p.sourceName, p.sourceVersion, p.arch])).toEqual([
      ['kept', '1:1.0-1', 'kept', '1:1.0-1', null],
      ['badsource', '2.0', 'badsource', '2.0', null],
      ['lowercase', '3.0', 'lowercase', '3.0', 'all'],
    ]);
    expect(warnings).toEqual([
      'line 13: stanza has no Package field',
      'line 16: package nostatus has no Status field',
      'line 19: package noversion has no Version field',
      'line 26: not a "Field: value" line: "garbage line without colon"',
      'line 22: package badsource: malformed Source "src [2.0]"',
    ]);
  });

  it('reports a continuation line outside a stanza', () => {
    expect(parseDpkgStatus(' orphan\n').warnings).toEqual(['line 1: continuation line outside a stanza']);
  });

  it('returns nothing for an empty file', () => {
    expect(parseDpkgStatus('')).toEqual({ packages: [], warnings: [] });
  });
});

/** The /var/lib/dpkg/status files in the shared data (the txtar holds one). */
function sharedStatusFiles(): [string, string][] {
  return listShared('dpkg-status').map((f) => {
    const text = readShared('dpkg-status', f);
    if (!f.endsWith('.txtar')) return [f, text];
    const status = readTxtar(text).files.get('var/lib/dpkg/status');
    if (status === undefined) throw new Error(`${f} has no var/lib/dpkg/status`);
    return [f, status];
  });
}

/** Counts stanzas whose Status state keeps files on disk, independently of the parser. */
function countInstalled(status: string): number {
  return status.split('\n').filter((l) => /^Status: \S+ \S+ (installed|half-installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/.test(l)).length;
}

/** The dpkg-query-v1 line dpkg-query would print for one status stanza (source fields as dpkg computes them). */
function toDpkgQueryLine(stanza: string): string {
  const field = (name: string): string => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1] ?? '';
  const pkg = field('Package');
  const version = field('Version');
  const m = /^(\S+)(?: \((.*)\))?$/.exec(field('Source'));
  return [pkg, version, field('Architecture'), m?.[1] ?? pkg, m?.[2] ?? version, field('Status')].join('\t');
}

describe.skipIf(!hasSharedData)('parseDpkgStatus on every status file in the shared data', () => {
  const files = sharedStatusFiles();

  it('finds the 5 status files', () => {
    expect(files).toHaveLength(5);
  });

  it.each(files)('%s', (_name, status) => {
    const { packages, warnings } = parseDpkgStatus(status);
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(countInstalled(status));
    expect(packages.length).toBeGreaterThan(0);
    // The agent's dpkg-query-v1 output of the same database gives the same packages.
    const query = status
      .split(/\n\n+/)
      .filter((s) => s.trim() !== '')
      .map(toDpkgQueryLine)
      .join('\n');
    expect(parseDpkgQuery(query)).toEqual({ packages, warnings: [] });
  });

  it('trivy-valid.txtar matches its golden file', () => {
    const status = files.find(([f]) => f === 'trivy-valid.txtar')![1];
    const result = parseDpkgStatus(status);
    expect(result.packages).toHaveLength(90);
    expectGolden(join(REAL, 'dpkg-status.trivy-valid.golden.json'), result);
  });
});
