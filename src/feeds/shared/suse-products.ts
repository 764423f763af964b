/**
 * SUSE product names, as SUSE's OVAL (and CVRF/CSAF) write them, → (distro, release key,
 * channel), following `domain/advisory.ts` and the OSV mapping of `SUSE:` ecosystems
 * (`feeds/osv/ecosystem.ts`). Pure.
 *
 * | product                                                        | distro              | release | channel               |
 * |----------------------------------------------------------------|---------------------|---------|-----------------------|
 * | SUSE Linux Enterprise Server 15 SP5                            | sles                | `15.5`  | null                  |
 * | SUSE Linux Enterprise Server 15 / 12 SP5                       | sles                | `15`, `12.5` | null             |
 * | SUSE Linux Enterprise Server 15 SP1-LTSS, 15-LTSS, 15 SP1-BCL  | sles                | `15.1`, `15` | `ltss`, `bcl`    |
 * | SUSE Linux Enterprise Server for SAP Applications 15 SP2       | sles_sap            | `15.2`  | null                  |
 * | SUSE Linux Enterprise Desktop 15 SP3                           | sled                | `15.3`  | null                  |
 * | SUSE Linux Enterprise High Performance Computing 15 SP3[-ESPOS] | sle_hpc            | `15.3`  | null (`espos`)        |
 * | SUSE Linux Enterprise Micro 5.5                                | sle-micro           | `5.5`   | null                  |
 * | SUSE Linux Enterprise Module for Basesystem 15 SP5             | sles                | `15.5`  | `module-basesystem`   |
 * | SUSE Linux Enterprise Workstation Extension 15 SP2 (any other add-on) | sles         | `15.2`  | `workstation-extension` |
 * | openSUSE Leap 15.5 [NonFree]                                   | opensuse-leap       | `15.5`  | null (`nonfree`)      |
 * | openSUSE Leap Micro 5.5                                        | opensuse-leap-micro | `5.5`   | null                  |
 * | openSUSE Tumbleweed                                            | opensuse-tumbleweed | `rolling` | null                |
 * | SUSE Linux Enterprise Storage 7, SUSE Manager …, SUSE CaaS …   | not mapped (own version numbers, not an OS release) |
 */
import type { DistroId } from '../../domain/advisory.js';

export interface SuseTarget {
  distro: DistroId;
  release: string;
  channel: string | null;
}

const PRODUCTS: readonly (readonly [string, DistroId])[] = [
  ['Server for SAP Applications', 'sles_sap'],
  ['Server', 'sles'],
  ['Desktop', 'sled'],
  ['High Performance Computing', 'sle_hpc'],
];

/** Add-ons with their own version numbers: not a release key of an OS. */
const NOT_AN_OS = /^(?:Storage|Manager\b|CaaS|OpenStack|Point of Service)/;

function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Null when `name` is not a SUSE or openSUSE OS product (or one of its modules and extensions). */
export function mapSuseProduct(name: string): SuseTarget | null {
  const n = name.trim().replace(/\s+/g, ' ');
  if (n === 'openSUSE Tumbleweed') return { distro: 'opensuse-tumbleweed', release: 'rolling', channel: null };
  let m = /^openSUSE Leap Micro (\d+\.\d+)$/.exec(n);
  if (m) return { distro: 'opensuse-leap-micro', release: m[1]!, channel: null };
  m = /^openSUSE Leap (\d+\.\d+)(?: (.+))?$/.exec(n);
  if (m) return { distro: 'opensuse-leap', release: m[1]!, channel: m[2] === undefined ? null : slug(m[2]) };
  m = /^SUSE Linux Enterprise Micro (\d+\.\d+)$/.exec(n);
  if (m) return { distro: 'sle-micro', release: m[1]!, channel: null };
  m = /^SUSE Linux Enterprise (.+?) (\d+)(?: SP(\d+))?(?:[- ](LTSS|BCL|ESPOS|TERADATA))?$/.exec(n);
  if (!m) return null;
  const product = m[1]!;
  if (NOT_AN_OS.test(product)) return null;
  const sp = m[3];
  const release = sp === undefined || sp === '0' ? m[2]! : `${m[2]!}.${sp}`;
  const suffix = m[4] === undefined ? null : m[4].toLowerCase();
  let distro: DistroId = 'sles';
  let channel: string | null = null;
  const known = PRODUCTS.find(([p]) => p === product);
  if (known) distro = known[1];
  else if (product.startsWith('Module for ')) channel = `module-${slug(product.slice('Module for '.length))}`;
  else channel = slug(product);
  if (suffix !== null) channel = channel === null ? suffix : `${channel}:${suffix}`;
  return { distro, release, channel };
}
