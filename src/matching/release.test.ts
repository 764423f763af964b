import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OsInfo } from '../domain/inventory.js';
import { detectOs } from '../inventory/parsers/os-release.js';
import { parseVulsScanResult } from '../inventory/parsers/vuls.js';
import { hostKeysSeeing, isTargetRow, resolveTarget } from './release.js';
import type { MatchTarget } from './types.js';

const os = (id: string, versionId: string, name = id, prettyName = `${name} ${versionId}`): OsInfo => ({ id, idLike: ['suse'], versionId, codename: null, name, prettyName });

function resolved(o: OsInfo): MatchTarget {
  const r = resolveTarget(o);
  if (!r.supported) throw new Error(r.reason);
  return r.target;
}

/** What matching is told about a host: the key it is stored as, its release keys and end of support. */
const summary = (t: MatchTarget) => ({
  family: t.family,
  as: `${t.distro} ${t.release}`,
  keys: t.keys.map((k) => `${k.distro} ${k.release} ${k.rows}`),
  endOfLife: t.endOfLife,
});

describe('resolveTarget for SUSE Linux Enterprise and openSUSE', () => {
  it.each([
    // VERSION_ID as SLES writes it: "15.5" for 15 SP5, "15" for the GA release.
    ['sles', '15.5', 'sles 15.5', ['sles 15.5 all'], '2024-12-31'],
    ['sles', '15.6', 'sles 15.6', ['sles 15.6 all'], '2025-12-31'],
    ['sles', '15.7', 'sles 15.7', ['sles 15.7 all'], '2031-07-31'],
    ['sles', '15', 'sles 15', ['sles 15 all'], '2019-12-31'],
    // No "15.0" key: SUSE's product names and OSV key the GA release as "15".
    ['sles', '15.0', 'sles 15', ['sles 15 all'], '2019-12-31'],
    // SLE 12 modules have no service pack ("Module for Web Scripting 12"): a 12 SPn host sees them.
    ['sles', '12.5', 'sles 12.5', ['sles 12.5 all', 'sles 12 modules'], '2024-10-31'],
    ['sles', '12', 'sles 12', ['sles 12 all'], '2016-06-30'],
    // SLED and SLES for SAP install the SLES modules and add-ons of their service pack.
    ['sled', '15.5', 'sled 15.5', ['sled 15.5 all', 'sles 15.5 addons'], '2024-12-31'],
    ['sles_sap', '15.5', 'sles_sap 15.5', ['sles_sap 15.5 all', 'sles 15.5 addons'], '2024-12-31'],
    ['sles_sap', '12.5', 'sles_sap 12.5', ['sles_sap 12.5 all', 'sles 12.5 addons', 'sles 12 modules'], '2024-10-31'],
    ['opensuse-leap', '15.5', 'opensuse-leap 15.5', ['opensuse-leap 15.5 all'], '2024-12-31'],
    ['opensuse-leap', '15.6', 'opensuse-leap 15.6', ['opensuse-leap 15.6 all'], '2026-04-30'],
    ['opensuse-leap', '15.0', 'opensuse-leap 15.0', ['opensuse-leap 15.0 all'], '2019-12-03'],
    ['opensuse-tumbleweed', '20240101', 'opensuse-tumbleweed rolling', ['opensuse-tumbleweed rolling all'], null],
  ])('%s %s → %s', (id, versionId, as, keys, endOfLife) => {
    expect(summary(resolved(os(id, versionId)))).toEqual({ family: 'suse', as, keys, endOfLife });
  });

  it('reads the product from the name when the ID does not say it (ID=opensuse, ID=suse)', () => {
    expect(summary(resolved(os('opensuse', '42.3', 'openSUSE Leap')))).toMatchObject({ as: 'opensuse-leap 42.3', endOfLife: '2019-07-01' });
    expect(summary(resolved(os('opensuse', '20180101', 'openSUSE Tumbleweed')))).toMatchObject({ as: 'opensuse-tumbleweed rolling' });
    expect(summary(resolved(os('suse', '15.4', 'SLES', 'SUSE Linux Enterprise Server 15 SP4')))).toMatchObject({ as: 'sles 15.4', endOfLife: '2023-12-31' });
    expect(summary(resolved(os('suse', '15.4', 'SLES_SAP', 'SUSE Linux Enterprise Server for SAP Applications 15 SP4')))).toMatchObject({ as: 'sles_sap 15.4' });
  });

  it('says why when there is no data for the release', () => {
    const reason = (o: OsInfo): string => {
      const r = resolveTarget(o);
      return r.supported ? `supported as ${r.target.distro} ${r.target.release}` : r.reason;
    };
    // openSUSE before Leap: no SUSE data keys it.
    expect(reason(os('opensuse', '13.2', 'openSUSE', 'openSUSE 13.2 (Harlequin) (x86_64)'))).toMatch(/no advisory data for this SUSE release/);
    expect(reason(os('sles', '15-SP5'))).toBe('sles 15-SP5: unrecognised VERSION_ID "15-SP5"');
    expect(reason(os('opensuse-leap', ''))).toBe('opensuse-leap : unrecognised VERSION_ID ""');
    // SUSE Linux Micro 6.0 (ID sl-micro): SUSE's OVAL names it "SUSE Linux Micro", which no parser keys yet.
    expect(reason(os('sl-micro', '6.0', 'SL-Micro', 'SUSE Linux Micro 6.0'))).toBe('SUSE Linux Micro 6.0: no advisory data for this distribution');
  });
});

describe('release keys', () => {
  const sled = resolved(os('sled', '15.5'));
  const sles125 = resolved(os('sles', '12.5'));
  const row = (distro: string, release: string, channel: string | null) => ({ distro: distro as MatchTarget['distro'], release, channel });

  it('a SLED host sees its own rows and the SLES modules and add-ons of its service pack, not the SLES base rows', () => {
    expect(isTargetRow(sled, row('sled', '15.5', null))).toBe(true);
    expect(isTargetRow(sled, row('sles', '15.5', 'module-basesystem'))).toBe(true);
    expect(isTargetRow(sled, row('sles', '15.5', 'workstation-extension'))).toBe(true);
    expect(isTargetRow(sled, row('sles', '15.5', null))).toBe(false);
    expect(isTargetRow(sled, row('sles', '15.4', 'module-basesystem'))).toBe(false);
    expect(isTargetRow(sled, row('sles_sap', '15.5', null))).toBe(false);
  });

  it('a SLES 12 SP5 host sees the SLE 12 modules, not the rows of SLES 12 GA or its add-ons', () => {
    expect(isTargetRow(sles125, row('sles', '12.5', null))).toBe(true);
    expect(isTargetRow(sles125, row('sles', '12', 'module-web-scripting'))).toBe(true);
    expect(isTargetRow(sles125, row('sles', '12', null))).toBe(false);
    expect(isTargetRow(sles125, row('sles', '12', 'software-development-kit'))).toBe(false);
  });

  it('other families keep one key: the release itself', () => {
    const alma = resolved({ id: 'almalinux', idLike: [], versionId: '9.3', codename: null, name: '', prettyName: '' });
    expect(alma.keys).toEqual([{ distro: 'almalinux', release: '9', rows: 'all' }]);
    expect(isTargetRow(alma, row('almalinux', '9', 'eus:9.2'))).toBe(true);
    expect(isTargetRow(alma, row('almalinux', '8', null))).toBe(false);
  });

  it('hostKeysSeeing is the inverse: which hosts a feed change of a key concerns', () => {
    expect(hostKeysSeeing('sles', '15.5')).toEqual([
      { distro: 'sles', release: '15.5' },
      { distro: 'sled', release: '15.5' },
      { distro: 'sles_sap', release: '15.5' },
    ]);
    expect(hostKeysSeeing('sles', '12').filter((k) => k.distro === 'sles').map((k) => k.release)).toEqual(['12', '12.1', '12.2', '12.3', '12.4', '12.5']);
    expect(hostKeysSeeing('sled', '15.5')).toEqual([{ distro: 'sled', release: '15.5' }]);
    expect(hostKeysSeeing('almalinux', '9')).toEqual([{ distro: 'almalinux', release: '9' }]);
    // Every key a target has is seen back from that key.
    for (const t of [sled, sles125, resolved(os('sles_sap', '12.5'))]) {
      for (const k of t.keys) expect(hostKeysSeeing(k.distro, k.release)).toContainEqual({ distro: t.distro, release: t.release });
    }
  });
});

const SHARED = process.env.MAMORI_SHARED_DATA ?? '/work/shared/data';
const INVENTORIES = join(SHARED, 'inventories');

describe.skipIf(!existsSync(INVENTORIES))('resolveTarget on the shared SUSE inventories', () => {
  it.each([
    // trivy's release files (expected detection in src/inventory/parsers/os-release.test.ts)
    ['os-release/trivy/release/opensuseleap-15.2.1', { family: 'suse', as: 'opensuse-leap 15.2', keys: ['opensuse-leap 15.2 all'], endOfLife: '2022-01-04' }],
    ['os-release/trivy/release/opensuseleap-42.3', { family: 'suse', as: 'opensuse-leap 42.3', keys: ['opensuse-leap 42.3 all'], endOfLife: '2019-07-01' }],
    ['os-release/trivy/release/slemicro6.0', 'SUSE Linux Micro 6.0: no advisory data for this distribution'],
  ])('%s', (file, want) => {
    const r = resolveTarget(detectOs({ '/etc/os-release': readFileSync(join(INVENTORIES, file), 'utf8') }));
    expect(r.supported ? summary(r.target) : r.reason).toEqual(want);
  });

  it.each([
    ['sles12', { family: 'suse', as: 'sles 12.5', keys: ['sles 12.5 all', 'sles 12 modules'], endOfLife: '2024-10-31' }],
    ['opensuse_leap_15', { family: 'suse', as: 'opensuse-leap 15.3', keys: ['opensuse-leap 15.3 all'], endOfLife: '2022-12-31' }],
    ['opensuse_tumbleweed', { family: 'suse', as: 'opensuse-tumbleweed rolling', keys: ['opensuse-tumbleweed rolling all'], endOfLife: null }],
    ['opensuse_leap_16_kernel-default-base', { family: 'suse', as: 'opensuse-leap 16.0', keys: ['opensuse-leap 16.0 all'], endOfLife: '2027-10-31' }],
  ])('Vuls %s', (name, want) => {
    const inv = parseVulsScanResult(JSON.parse(readFileSync(join(INVENTORIES, 'vuls-scan-results', `${name}.json`), 'utf8')));
    expect(summary(resolved(inv.os))).toEqual(want);
  });
});
