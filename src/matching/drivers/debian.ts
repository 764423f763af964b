/**
 * Debian and Ubuntu: advisories key the *source* package and its version
 * (binNMU binaries such as `5.2.15-2+b2` come from source `5.2.15-2`), so the
 * installed binary is matched through its Source field.
 */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';
import { archApplies, isOrdinaryChannel, type Driver } from './driver.js';

const PREFERENCE = ['debian-tracker', 'osv:Debian', 'debian-dsa', 'debian-dla', 'ubuntu-openvex', 'osv:Ubuntu'];

export const debianDriver: Driver = {
  family: 'debian',
  key: (p) => ({ name: p.sourceName ?? p.name, version: p.sourceVersion ?? p.evr }),
  applies: (row: MatchableRow, p: MatchPackage) => isOrdinaryChannel(row) && archApplies(row, p),
  sourceRank: (source) => {
    const i = PREFERENCE.indexOf(source);
    return i < 0 ? PREFERENCE.length : i;
  },
  remediation: (_t: MatchTarget, packages: string[]) => `apt-get update && apt-get install --only-upgrade ${packages.join(' ')}`,
};
