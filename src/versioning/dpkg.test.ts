import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { compareDpkg, compareDpkgParts, parseDpkgVersion, validateDpkgVersion, verrevcmp } from './dpkg.js';
import { NASTY_VERSIONS } from './testdata/oracles.js';
import { checkProperties, versionLike } from './testdata/properties.js';
import { EXPECTED, readVectors, TESTDATA_DIR, type Vector } from './testdata/vectors.js';

function checkBothWays(vectors: Vector[]): void {
  const failures: string[] = [];
  for (const v of vectors) {
    const want = EXPECTED[v.op];
    const got = compareDpkg(v.a, v.b);
    const back = compareDpkg(v.b, v.a);
    if (got !== want || back !== -want) failures.push(`${v.file}:${v.lineNo}: ${v.text} (got ${got}, reversed ${back})`);
  }
  expect(failures).toEqual([]);
}

interface JsonlCase {
  kind: 'provenance' | 'compare' | 'parse';
  a?: string;
  op?: string;
  b?: string;
  input?: string;
  result?: 'ok' | 'error' | 'invalid-warning';
  epoch?: number;
  upstream?: string;
  revision?: string;
}

const jsonl: JsonlCase[] = readFileSync(join(TESTDATA_DIR, 'dpkg-t-version.vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as JsonlCase);

describe('compareDpkg (dpkg lib/dpkg/version.c dpkg_version_compare/verrevcmp)', () => {
  for (const file of [
    'dpkg-Dpkg_Version.txt',
    'dpkg-t-version.txt',
    'osv-scalibr-debian-versions.txt',
    'osv-scalibr-debian-versions-generated.shared-subset.txt',
    'dpkg-versions.txt',
    'dpkg-versions-generated.txt',
  ]) {
    it(`agrees with every vector of ${file}, both ways`, () => {
      const vectors = readVectors(file);
      expect(vectors.length).toBeGreaterThan(10);
      checkBothWays(vectors);
    });
  }

  it('agrees with the comparison cases of dpkg lib/dpkg/t/t-version.c', () => {
    const cases = jsonl.filter((c) => c.kind === 'compare');
    expect(cases.length).toBe(13);
    for (const c of cases) {
      const r = compareDpkg(c.a!, c.b!);
      if (c.op === '!=') expect(r, `${c.a!} != ${c.b!}`).not.toBe(0);
      else expect(r, `${c.a!} ${c.op!} ${c.b!}`).toBe(EXPECTED[c.op as '<' | '=' | '>']);
    }
  });

  it('compares digit runs as strings: no precision loss on 40 digits', () => {
    const big = '1234567890123456789012345678901234567890';
    expect(compareDpkg(big, '1234567890123456789012345678901234567891')).toBe(-1);
    expect(compareDpkg(`0000${big}`, big)).toBe(0);
    expect(compareDpkg(`1.${big}-1`, `1.${big}-2`)).toBe(-1);
  });

  it('compares warning-level versions as dpkg --compare-versions does, and non-ASCII by UTF-8 bytes', () => {
    expect(compareDpkg('a', 'b')).toBe(-1);
    expect(compareDpkg('1_0', '1.0')).toBe(1);
    // 'é' is C3 A9 in UTF-8: after letters, before ASCII punctuation (dpkg on x86-64).
    expect(compareDpkg('1é', '1z')).toBe(1);
    expect(compareDpkg('1é', '1+')).toBe(-1);
    expect(compareDpkg('1é', '1ä')).toBe(1);
    expect(compareDpkg('1.0é', '1.0é')).toBe(0);
  });

  it('throws ERR_VERSION_INVALID with dpkg’s message for what dpkg rejects', () => {
    const cases: [string, string][] = [
      ['', 'version string is empty'],
      ['  ', 'version string is empty'],
      ['1 2', 'version string has embedded spaces'],
      [':1', 'epoch in version is empty'],
      ['a:1', 'epoch in version is empty'],
      ['1a:1', 'epoch in version is not number'],
      ['-1:1', 'epoch in version is negative'],
      ['2147483648:1', 'epoch in version is too big'],
      ['99999999999999999999999:1', 'epoch in version is too big'],
      ['1:', 'nothing after colon in version number'],
      ['1.0-', 'revision number is empty'],
      ['-1', 'version number is empty'],
      ['1:-1', 'version number is empty'],
      ['1\u0000', 'version string contains a NUL character'],
      ['\u00001', 'version string contains a NUL character'],
      ['1 \u0000', 'version string contains a NUL character'],
    ];
    for (const [v, reason] of cases) {
      try {
        compareDpkg(v, '1.0');
        expect.unreachable(v);
      } catch (e) {
        expect(e, v).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('ERR_VERSION_INVALID');
        expect((e as AppError).details, v).toMatchObject({ scheme: 'dpkg', reason });
      }
      expect(() => compareDpkg('1.0', v)).toThrow(AppError);
    }
  });

  it('answers or rejects every nasty input (separators only, 1:, :1, 10,000 characters, 40 digits, non-ASCII)', () => {
    for (const a of NASTY_VERSIONS) {
      for (const b of NASTY_VERSIONS) {
        let r: number;
        try {
          r = compareDpkg(a, b);
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
          continue;
        }
        expect(compareDpkg(b, a) === -r).toBe(true);
      }
    }
  });

  it('keeps the properties of a total order (antisymmetry, reflexivity, transitivity)', () => {
    checkProperties(compareDpkg, versionLike('dpkg'));
  });
});

describe('parseDpkgVersion (dpkg lib/dpkg/parsehelp.c parseversion)', () => {
  it('agrees with the parse cases of dpkg lib/dpkg/t/t-version.c', () => {
    const cases = jsonl.filter((c) => c.kind === 'parse');
    expect(cases.length).toBeGreaterThan(70);
    for (const c of cases) {
      const input = c.input!;
      const label = JSON.stringify(input);
      switch (c.result) {
        case 'ok':
          expect(parseDpkgVersion(input), label).toEqual({ epoch: c.epoch, upstream: c.upstream, revision: c.revision });
          expect(validateDpkgVersion(input, { strict: true }), label).toEqual({ ok: true });
          break;
        case 'error':
          expect(() => parseDpkgVersion(input), label).toThrow(AppError);
          expect(validateDpkgVersion(input).ok, label).toBe(false);
          break;
        case 'invalid-warning': {
          const v = parseDpkgVersion(input);
          expect(v.warning, label).toBeTypeOf('string');
          expect(validateDpkgVersion(input), label).toEqual({ ok: true, warning: v.warning });
          expect(validateDpkgVersion(input, { strict: true }).ok, label).toBe(false);
          break;
        }
        case undefined:
        default:
          throw new Error(`unknown result in ${label}`);
      }
    }
  });

  it('reports dpkg’s warnings', () => {
    expect(parseDpkgVersion('abc')).toEqual({ epoch: 0, upstream: 'abc', revision: '', warning: 'version number does not start with digit' });
    expect(parseDpkgVersion('1_0').warning).toBe('invalid character in version number');
    expect(parseDpkgVersion('1.0-1_1').warning).toBe('invalid character in revision number');
    expect(parseDpkgVersion('1.0é').warning).toBe('invalid character in version number');
  });

  it('keeps strtol() quirks of the epoch', () => {
    expect(parseDpkgVersion('+1:2')).toEqual({ epoch: 1, upstream: '2', revision: '' });
    expect(parseDpkgVersion('-0:2')).toEqual({ epoch: 0, upstream: '2', revision: '' });
    expect(parseDpkgVersion('0002147483647:2')).toEqual({ epoch: 2147483647, upstream: '2', revision: '' });
  });

  it('compares parsed parts like strings', () => {
    const a = parseDpkgVersion('1:2.36-9+deb12u4');
    const b = parseDpkgVersion('1:2.36-9+deb12u7');
    expect(compareDpkgParts(a, b)).toBe(-1);
    expect(compareDpkgParts(parseDpkgVersion('1é'), parseDpkgVersion('1z'))).toBe(1);
    expect(verrevcmp('1.0~rc1', '1.0')).toBe(-1);
    expect(verrevcmp('', '0')).toBe(0);
  });
});
