import type { MatchTarget } from '../types.js';
import { alpineDriver } from './alpine.js';
import { debianDriver } from './debian.js';
import type { Driver } from './driver.js';
import { redhatDriver } from './redhat.js';
import { suseDriver } from './suse.js';

const DRIVERS: Record<MatchTarget['family'], Driver> = {
  redhat: redhatDriver,
  debian: debianDriver,
  alpine: alpineDriver,
  suse: suseDriver,
};

export function driverFor(family: MatchTarget['family']): Driver {
  return DRIVERS[family];
}

export type { Driver } from './driver.js';
