import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './apk.js';
import { expectGolden } from './testdata/golden.js';
import { hasSharedData, listShared, readShared } from './testdata/shared.js';

const TESTDATA = fileURLToPath(new URL('./testdata/apk/', import.meta.url));
const REAL = fileURLToPath(new URL('./testdata/real/', import.meta.url));

describe('parseApkInstalled', () => {
  const cases = readdirSync(TESTDATA).filter((f) => !f.endsWith('.golden.json'));

  it.each(cases)('%s matches its golden file', (file) => {
    const result = parseApkInstalled(readFileSync(join(TESTDATA, file), 'utf8'));
    expect(result.warnings).toEqual([]);
    expectGolden(join(TESTDATA, `${file}.golden.json`), result);
  });

  it('reads P, V, A and o and nothing else', () => {
    const { packages, warnings } = parseApkInstalled('C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nT:the musl c library\no:musl\nD:so:libc.musl-x86_64.so.1\n');
    expect(warnings).toEqual([]);
    expect(packages).toEqual([
      {
        manager: 'apk',
        name: 'musl',
        epoch: null,
        version: '1.2.4-r2',
        release: null,
        evr: '1.2.4-r2',
        arch: 'x86_64',
        sourceName: 'musl',
        sourceVersion: '1.2.4-r2',
        vendor: null,
        modularityLabel: null,
        unparsedReason: null,
      },
    ]);
  });

  it('reports stanzas without P: or V: and malformed lines by number', () => {
    const data = [
      'P:ok', // 1
      'V:1.0-r0',
      '',
      '',
      'P:noversion', // 5
      'A:x86_64',
      '',
      'V:2.0-r0', // 8
      'o:orphan',
      '',
      'P:noorigin', // 11
      'V:3.0-r1',
      'this is not an apk line', // 13
      '',
    ].join('\r\n');
    const { packages, warnings } = parseApkInstalled(data);
    expect(packages.map((p) => [p.name, p.version, p.sourceName, p.sourceVersion])).toEqual([
      ['ok', '1.0-r0', null, null],
      ['noorigin', '3.0-r1', null, null],
    ]);
    expect(warnings).toEqual([
      'line 5: stanza for noversion has no V: line',
      'line 8: stanza has no P: line',
      'line 13: not an "X:value" line: "this is not an apk line"',
    ]);
  });

  it('needs no trailing blank line and returns nothing for an empty file', () => {
    expect(parseApkInstalled('P:a\nV:1-r0').packages).toHaveLength(1);
    expect(parseApkInstalled('')).toEqual({ packages: [], warnings: [] });
  });
});

describe.skipIf(!hasSharedData)('parseApkInstalled on every installed database in the shared data', () => {
  const files = listShared('apk-installed');

  it('finds the 2 databases', () => {
    expect(files).toHaveLength(2);
  });

  it.each(files)('%s: one package per P: line', (file) => {
    const text = readShared('apk-installed', file);
    const { packages, warnings } = parseApkInstalled(text);
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(text.split('\n').filter((l) => l.startsWith('P:')).length);
    // The agent keeps only P, V, A, o and blank lines; that parses to the same packages.
    const reduced = text
      .split('\n')
      .filter((l) => l === '' || /^[PVAo]:/.test(l))
      .join('\n');
    expect(parseApkInstalled(reduced)).toEqual({ packages, warnings: [] });
  });

  it('osv-scalibr-installed matches its golden file', () => {
    expectGolden(join(REAL, 'apk-installed.osv-scalibr-installed.golden.json'), parseApkInstalled(readShared('apk-installed', 'osv-scalibr-installed')));
  });
});
