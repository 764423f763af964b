/**
 * OSV ecosystem strings → (distro, release key, channel, version scheme).
 * OSV ecosystem strings stay inside `feeds/osv/`; see `domain/advisory.ts` for the
 * release-key and channel conventions. Pure and memoized (feeds use a few dozen strings).
 */
import type { DistroId, VersionScheme } from '../../domain/advisory.js';

export interface EcosystemTarget {
  /** The ecosystem's family, the part before the first colon (`AlmaLinux`, `Red Hat`). */
  family: string;
  distro: DistroId;
  release: string;
  channel: string | null;
  scheme: VersionScheme;
}

const cache = new Map<string, EcosystemTarget | null>();

/** Null when the ecosystem is not a distribution release we can key (or not one at all). */
export function mapEcosystem(ecosystem: string): EcosystemTarget | null {
  let t = cache.get(ecosystem);
  if (t === undefined) {
    t = compute(ecosystem);
    if (cache.size < 10_000) cache.set(ecosystem, t);
  }
  return t;
}

function compute(ecosystem: string): EcosystemTarget | null {
  const colon = ecosystem.indexOf(':');
  if (colon <= 0) return null;
  const family = ecosystem.slice(0, colon);
  const rest = ecosystem.slice(colon + 1);
  switch (family) {
    case 'AlmaLinux':
      return rhelFamily(family, 'almalinux', rest);
    case 'Rocky Linux':
      return rhelFamily(family, 'rocky', rest);
    case 'Red Hat':
      return redHat(rest);
    case 'Debian':
      return debian(rest);
    case 'Ubuntu':
      return ubuntu(rest);
    case 'Alpine':
      return alpine(rest);
    case 'SUSE':
      return suse(rest);
    case 'openSUSE':
      return openSuse(rest);
    default:
      return null;
  }
}

function target(family: string, distro: DistroId, release: string, channel: string | null, scheme: VersionScheme): EcosystemTarget {
  return { family, distro, release, channel, scheme };
}

/** `AlmaLinux:8`, `Rocky Linux:9` (a minor, `9.3`, is reduced to its major). */
function rhelFamily(family: string, distro: DistroId, rest: string): EcosystemTarget | null {
  const m = /^(\d+)(?:\.\d+)?$/.exec(rest);
  return m ? target(family, distro, m[1]!, null, 'rpm') : null;
}

/**
 * `Red Hat:<cpe product>:<version>[:<update>[:<edition>]]`, e.g.
 * `enterprise_linux:9::appstream` → rhel 9; `rhel_aus:8.6::appstream` → rhel 8, channel `aus:8.6`;
 * `rhel_els:7` → rhel 7, channel `els`. Other Red Hat products (OpenShift, JBoss,
 * Software Collections…) are not RHEL releases and are not mapped.
 */
function redHat(rest: string): EcosystemTarget | null {
  const [product, version] = rest.split(':');
  if (product === undefined || version === undefined) return null;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(version);
  if (!m) return null;
  const major = m[1]!;
  if (product === 'enterprise_linux') return target('Red Hat', 'rhel', major, null, 'rpm');
  const stream = /^rhel_([a-z0-9]+)$/.exec(product);
  if (!stream) return null;
  const channel = m[2] === undefined ? stream[1]! : `${stream[1]!}:${version}`;
  return target('Red Hat', 'rhel', major, channel, 'rpm');
}

/** `Debian:12` (numeric per distro-info-data), `Debian:3.1`, `Debian:sid`. */
function debian(rest: string): EcosystemTarget | null {
  if (/^\d+(?:\.\d+)?$/.test(rest) || rest === 'sid') return target('Debian', 'debian', rest, null, 'dpkg');
  return null;
}

/**
 * `Ubuntu:22.04:LTS`, `Ubuntu:25.10`, `Ubuntu:Pro:16.04:LTS`, `Ubuntu:Pro:FIPS-updates:18.04:LTS`,
 * `Ubuntu:Pro:22.04:LTS:Realtime:Kernel`. Parts before the release become the channel
 * (lower case, `:`-joined), parts after it other than `LTS` are appended `-`-joined:
 * `pro`, `pro:fips-updates`, `pro:realtime-kernel`.
 */
function ubuntu(rest: string): EcosystemTarget | null {
  const parts = rest.split(':');
  const at = parts.findIndex((p) => /^\d{2}\.\d{2}$/.test(p));
  if (at < 0) return null;
  const before = parts.slice(0, at).map((p) => p.toLowerCase());
  const after = parts.slice(at + 1).filter((p) => p !== 'LTS').map((p) => p.toLowerCase());
  if (before.some((p) => p === '') || after.some((p) => p === '')) return null;
  let channel: string | null = before.length > 0 ? before.join(':') : null;
  if (after.length > 0) channel = channel === null ? after.join('-') : `${channel}:${after.join('-')}`;
  return target('Ubuntu', 'ubuntu', parts[at]!, channel, 'dpkg');
}

/** `Alpine:v3.19` → 3.19; `Alpine:edge`. */
function alpine(rest: string): EcosystemTarget | null {
  const m = /^v(\d+\.\d+)$/.exec(rest);
  if (m) return target('Alpine', 'alpine', m[1]!, null, 'apk');
  return rest === 'edge' ? target('Alpine', 'alpine', 'edge', null, 'apk') : null;
}

/** `openSUSE:Leap 15.5`, `openSUSE:Leap 15.5 NonFree`, `openSUSE:Leap Micro 5.5`, `openSUSE:Tumbleweed`. */
function openSuse(rest: string): EcosystemTarget | null {
  if (rest === 'Tumbleweed') return target('openSUSE', 'opensuse-tumbleweed', 'rolling', null, 'rpm');
  let m = /^Leap Micro (\d+\.\d+)$/.exec(rest);
  if (m) return target('openSUSE', 'opensuse-leap-micro', m[1]!, null, 'rpm');
  m = /^Leap (\d+\.\d+)(?: (.+))?$/.exec(rest);
  if (m) return target('openSUSE', 'opensuse-leap', m[1]!, m[2] === undefined ? null : slug(m[2]), 'rpm');
  return null;
}

const SUSE_PRODUCTS: readonly (readonly [string, DistroId])[] = [
  ['Server for SAP Applications', 'sles_sap'],
  ['Server', 'sles'],
  ['Desktop', 'sled'],
  ['High Performance Computing', 'sle_hpc'],
  ['Micro', 'sle-micro'],
];

/**
 * `SUSE:Linux Enterprise Server 15 SP5` → sles 15.5; `…15 SP5-LTSS` → channel `ltss`;
 * `SUSE:Linux Enterprise Server for SAP Applications 15 SP5` → sles_sap;
 * `SUSE:Linux Enterprise Module for Basesystem 15 SP5` → sles 15.5, channel `module-basesystem`;
 * `SUSE:Linux Enterprise Micro 5.5` → sle-micro 5.5. Other SUSE products are not mapped.
 */
function suse(rest: string): EcosystemTarget | null {
  const m = /^Linux Enterprise (.+?) (\d+)(?:(?: SP(\d+))|\.(\d+))?(?:[- ](LTSS|ESPOS|BCL|TERADATA))?$/.exec(rest);
  if (!m) return null;
  const product = m[1]!;
  const minor = m[3] ?? m[4];
  const release = minor === undefined || minor === '0' ? m[2]! : `${m[2]!}.${minor}`;
  const suffix = m[5] === undefined ? null : m[5].toLowerCase();
  let distro: DistroId = 'sles';
  let channel: string | null = null;
  const known = SUSE_PRODUCTS.find(([name]) => product === name);
  if (known) distro = known[1];
  else if (product.startsWith('Module for ')) channel = `module-${slug(product.slice('Module for '.length))}`;
  else channel = slug(product);
  if (suffix !== null) channel = channel === null ? suffix : `${channel}:${suffix}`;
  return target('SUSE', distro, release, channel, 'rpm');
}

function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '');
}
