import { describe, expect, it } from 'vitest';
import { scoreCvssVector, cvssVersionOf } from './cvss.js';
import { compareIds, cveOf, IdSet } from './ids.js';
import { debianSeverity, redHatSeverity, severityFromCvss, ubuntuSeverity } from './severity.js';
import { versionProblem } from './versions.js';

describe('scoreCvssVector (ae-cvss-calculator)', () => {
  it.each([
    ['AV:N/AC:M/Au:N/C:N/I:P/A:N', '2.0', 4.3],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:L', '3.0', 7.1],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N', '3.1', 6.5],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', '4.0', 6.9],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X', '4.0', 6.9],
  ])('%s → %s %f', (vector, version, score) => {
    expect(scoreCvssVector(vector)).toEqual({ ok: true, version, baseScore: score });
  });

  it.each([
    ['garbage', /unknown version prefix/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H', /base metrics incomplete/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:Q', /unknown metric or metric value/],
    ['CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N', /metric AV appears twice/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N/FOO:1', /unknown metric/],
    ['CVSS:3.1/AV:N//AC:L', /malformed metric ""/],
  ])('%s is rejected', (vector, reason) => {
    const r = scoreCvssVector(vector);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('checks the declared major version', () => {
    expect(scoreCvssVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', '3')).toEqual({
      ok: false,
      reason: 'declared as CVSS v3 but the vector is CVSS 4.0',
    });
    expect(cvssVersionOf('CVSS:3.0/AV:N')).toBe('3.0');
    expect(cvssVersionOf('CVSS:5.0/AV:N')).toBeNull();
  });
});

describe('ids', () => {
  it('finds CVE ids behind database prefixes', () => {
    expect(cveOf('UBUNTU-CVE-2021-3782')).toBe('CVE-2021-3782');
    expect(cveOf('DEBIAN-CVE-2022-1292')).toBe('CVE-2022-1292');
    expect(cveOf('CVE-2021-3782')).toBe('CVE-2021-3782');
    expect(cveOf('USN-5614-1')).toBeNull();
  });

  it('sorts numerically and separates CVEs from other ids', () => {
    const s = new IdSet('USN-1-1');
    s.addAll(['CVE-2023-10000', 'CVE-2023-9999', 'UBUNTU-CVE-2023-9999', 'USN-1-1', 'GO-2024-2687']);
    expect(s.cves).toEqual(['CVE-2023-9999', 'CVE-2023-10000']);
    expect(s.others).toEqual(['GO-2024-2687']);
    expect(['DSA-10-1', 'DSA-9-1', 'DSA-9'].sort(compareIds)).toEqual(['DSA-9', 'DSA-9-1', 'DSA-10-1']);
  });
});

describe('severity scales', () => {
  it('normalizes vendor labels', () => {
    expect(redHatSeverity('Important')).toBe('high');
    expect(redHatSeverity('Moderate')).toBe('medium');
    expect(ubuntuSeverity('negligible')).toBe('negligible');
    expect(ubuntuSeverity('untriaged')).toBe('unknown');
    expect(debianSeverity('high**')).toBe('high');
    expect(debianSeverity('unimportant')).toBe('negligible');
    expect(debianSeverity('not yet assigned')).toBe('unknown');
    expect(debianSeverity('whenever')).toBeNull();
  });

  it('derives a severity from the newest CVSS version present', () => {
    expect(
      severityFromCvss([
        { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:C/I:C/A:C', baseScore: 10, source: 'x' },
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N', baseScore: 6.5, source: 'x' },
      ]),
    ).toBe('medium');
    expect(severityFromCvss([])).toBe('unknown');
  });
});

describe('versionProblem (versioning/validateVersion)', () => {
  it('accepts valid versions and explains invalid ones', () => {
    expect(versionProblem('rpm', '1:2.02-142.el8_7.1.alma')).toBeNull();
    expect(versionProblem('dpkg', '2:1.20.11-1+deb11u6')).toBeNull();
    expect(versionProblem('apk', '1.2.4_git20230717-r5')).toBeNull();
    expect(versionProblem('apk', '4.8.0.-r1')).toMatch(/invalid part/);
    expect(versionProblem('dpkg', 'not a version')).not.toBeNull();
  });
});
