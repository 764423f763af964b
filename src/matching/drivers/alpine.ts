/** Alpine: secdb and OSV key the origin (source) package; its version is the binary's. */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';
import { archApplies, isOrdinaryChannel, type Driver } from './driver.js';

const PREFERENCE = ['alpine-secdb', 'osv:Alpine'];

export const alpineDriver: Driver = {
  family: 'alpine',
  keys: (p) => [{ name: p.sourceName ?? p.name, version: p.evr }],
  applies: (row: MatchableRow, p: MatchPackage) => isOrdinaryChannel(row) && archApplies(row, p),
  sourceRank: (source) => {
    const i = PREFERENCE.indexOf(source);
    return i < 0 ? PREFERENCE.length : i;
  },
  remediation: (_t: MatchTarget, packages: string[]) => `apk update && apk upgrade ${packages.join(' ')}`,
};
