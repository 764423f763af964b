/**
 * Debian and Ubuntu: advisories key the *source* package and its version
 * (binNMU binaries such as `5.2.15-2+b2` come from source `5.2.15-2`), so the
 * installed binary is matched through its Source field.
 */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';
import { archApplies, isOrdinaryChannel, type Driver } from './driver.js';

/**
 * Ubuntu moves a release's security updates to Ubuntu Pro (ESM) when standard
 * support ends: those rows still tell whether the installed version is
 * vulnerable, so they apply to every host of the release (the fix may need Pro).
 * FIPS and other special streams need builds the host would have installed.
 */
function channelApplies(row: MatchableRow): boolean {
  return isOrdinaryChannel(row) || (row.distro === 'ubuntu' && row.channel === 'pro');
}

const PREFERENCE = ['debian-tracker', 'osv:Debian', 'debian-dsa', 'debian-dla', 'ubuntu-openvex', 'osv:Ubuntu'];

export const debianDriver: Driver = {
  family: 'debian',
  keys: (p) => [{ name: p.sourceName ?? p.name, version: p.sourceVersion ?? p.evr }],
  applies: (row: MatchableRow, p: MatchPackage) => channelApplies(row) && archApplies(row, p),
  sourceRank: (source) => {
    const i = PREFERENCE.indexOf(source);
    return i < 0 ? PREFERENCE.length : i;
  },
  remediation: (_t: MatchTarget, packages: string[]) => `apt-get update && apt-get install --only-upgrade ${packages.join(' ')}`,
};
