import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { compareVersions, isVersionScheme, validateVersion, VERSION_SCHEMES, type VersionScheme } from './index.js';
import { NASTY_VERSIONS } from './testdata/oracles.js';

describe('compareVersions', () => {
  it('dispatches to the scheme’s comparator', () => {
    expect(compareVersions('rpm', '2:8.0.1763-16.el7_9.2', '2:8.0.1763-19.el7_9')).toBe(-1);
    expect(compareVersions('dpkg', '1:2.36-9+deb12u7', '1:2.36-9+deb12u4')).toBe(1);
    expect(compareVersions('apk', '3.0.15-r1', '3.0.15-r1')).toBe(0);
    // The same strings mean different things per scheme.
    expect(compareVersions('rpm', '1.0~rc1', '1.0_rc1')).toBe(-1);
    expect(compareVersions('apk', '1.0_rc1', '1.0')).toBe(-1);
    expect(compareVersions('dpkg', '1.0a', '1.0+')).toBe(-1);
    expect(compareVersions('rpm', '1.0a', '1.0+')).toBe(1);
  });

  it('throws ERR_VERSION_INVALID, never falls back to string order', () => {
    const cases: [VersionScheme, string][] = [
      ['rpm', ''],
      ['dpkg', '1.0-'],
      ['dpkg', 'a:1'],
      ['apk', '1.0-beta'],
      ['apk', 'a'],
    ];
    for (const [scheme, v] of cases) {
      for (const [a, b] of [
        [v, '1.0'],
        ['1.0', v],
      ]) {
        try {
          compareVersions(scheme, a!, b!);
          expect.unreachable(`${scheme} ${a!} ${b!}`);
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
          const err = e as AppError;
          expect(err.code).toBe('ERR_VERSION_INVALID');
          expect(err.message).toContain(`invalid ${scheme} version`);
          expect(err.details).toMatchObject({ scheme, version: v });
        }
      }
    }
  });

  it('rejects an unknown scheme and non-string versions with a clear error', () => {
    expect(() => compareVersions('deb' as VersionScheme, '1', '2')).toThrow(/unknown version scheme "deb"/);
    expect(() => compareVersions('rpm', undefined as unknown as string, '2')).toThrow(AppError);
    expect(() => validateVersion('rpmx' as VersionScheme, '1')).toThrow(AppError);
  });

  it('validateVersion is ok exactly when compareVersions accepts the version', () => {
    for (const scheme of VERSION_SCHEMES) {
      for (const v of [...NASTY_VERSIONS, '1.0', '1.0-r1', '1:1.0-1', 'abc', '1_0']) {
        const valid = validateVersion(scheme, v);
        let threw = false;
        try {
          compareVersions(scheme, v, '1');
        } catch (e) {
          expect(e).toBeInstanceOf(AppError);
          threw = true;
        }
        expect(valid.ok, `${scheme} ${JSON.stringify(v.slice(0, 40))}`).toBe(!threw);
        if (!valid.ok) expect(valid.reason.length).toBeGreaterThan(0);
      }
    }
  });

  it('reports dpkg warnings and applies strict rules on request', () => {
    expect(validateVersion('dpkg', 'abc')).toEqual({ ok: true, warning: 'version number does not start with digit' });
    expect(validateVersion('dpkg', 'abc', { strict: true })).toEqual({ ok: false, reason: 'version number does not start with digit' });
    expect(validateVersion('rpm', '1..0')).toEqual({ ok: true });
    expect(validateVersion('rpm', '1..0', { strict: true }).ok).toBe(false);
    expect(validateVersion('apk', '1.0_p1-r0')).toEqual({ ok: true });
  });
});

describe('isVersionScheme', () => {
  it('accepts exactly rpm, dpkg and apk', () => {
    expect(VERSION_SCHEMES.every(isVersionScheme)).toBe(true);
    for (const s of ['', 'RPM', 'deb', 'alpine', null, undefined, 1, {}]) expect(isVersionScheme(s)).toBe(false);
  });
});
