import type { InstalledPackage, OsInfo, PackageManager, ParsedInventory } from '../../domain/inventory.js';
import { AppError } from '../../errors.js';
import { makeApkPackage } from './apk.js';
import { makeDpkgPackage } from './dpkg.js';
import { describeDistro, lookUpCodename, toDebianMajor } from './os-release.js';
import { describeJsonType, isJsonObject, type JsonObject } from './json.js';
import { formatRpmEvr } from './rpm.js';
import { parseRfc3339 } from './timestamp.js';

/*
 * A Vuls scan result (`vuls scan` → results/<date>/<server>.json, jsonVersion 4), the parts we use:
 *
 *   { serverName, family, release, scannedAt, errors[],
 *     runningKernel: { release, version },
 *     packages:    { <name>: { name, version, release, arch, modularitylabel, … } },
 *     SrcPackages: { <name>: { name, version, arch, binaryNames[] } } }   // "srcPackages" also accepted
 *
 * For rpm families `version` may carry the epoch (`1:1.40.16`) and `release` is separate; for
 * dpkg families `version` is the whole Debian version and `release` is empty.
 */

interface VulsFamily {
  id: string;
  manager: PackageManager;
}

/** Vuls `family` (vuls constant/constant.go) → os-release ID and package manager. */
const VULS_FAMILIES: ReadonlyMap<string, VulsFamily> = new Map<string, VulsFamily>([
  ['redhat', { id: 'rhel', manager: 'rpm' }],
  ['centos', { id: 'centos', manager: 'rpm' }],
  ['alma', { id: 'almalinux', manager: 'rpm' }],
  ['rocky', { id: 'rocky', manager: 'rpm' }],
  ['oracle', { id: 'ol', manager: 'rpm' }],
  ['amazon', { id: 'amzn', manager: 'rpm' }],
  ['fedora', { id: 'fedora', manager: 'rpm' }],
  ['suse.linux.enterprise.server', { id: 'sles', manager: 'rpm' }],
  ['suse.linux.enterprise.desktop', { id: 'sled', manager: 'rpm' }],
  ['opensuse.leap', { id: 'opensuse-leap', manager: 'rpm' }],
  ['opensuse.tumbleweed', { id: 'opensuse-tumbleweed', manager: 'rpm' }],
  ['opensuse', { id: 'opensuse', manager: 'rpm' }],
  ['debian', { id: 'debian', manager: 'dpkg' }],
  ['ubuntu', { id: 'ubuntu', manager: 'dpkg' }],
  ['raspbian', { id: 'raspbian', manager: 'dpkg' }],
  ['alpine', { id: 'alpine', manager: 'apk' }],
]);

/** Maps a Vuls family (and release, for openSUSE's "opensuse" + "tumbleweed") to an os-release ID and manager; null when unsupported. */
export function mapVulsFamily(family: string, release: string): VulsFamily | null {
  if (family === 'opensuse' && release.toLowerCase() === 'tumbleweed') return { id: 'opensuse-tumbleweed', manager: 'rpm' };
  return VULS_FAMILIES.get(family) ?? null;
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

function invalid(message: string): AppError {
  return new AppError('ERR_INVENTORY_INVALID', message);
}

/** True when the JSON looks like a Vuls scan result (serverName and family strings, a packages member). */
export function isVulsScanResult(json: unknown): boolean {
  return (
    isJsonObject(json) &&
    typeof json.serverName === 'string' &&
    typeof json.family === 'string' &&
    (Object.hasOwn(json, 'packages') || Object.hasOwn(json, 'jsonVersion'))
  );
}

interface SourceRef {
  name: string;
  version: string;
}

/** binary name → source package, from SrcPackages[].binaryNames. A Map, so untrusted names stay data. */
function indexSources(raw: unknown, warnings: string[]): Map<string, SourceRef> {
  const bySource = new Map<string, SourceRef>();
  if (raw === undefined || raw === null) return bySource;
  if (!isJsonObject(raw)) {
    warnings.push(`SrcPackages is ${describeJsonType(raw)}, not an object; source packages unknown`);
    return bySource;
  }
  for (const [key, sp] of Object.entries(raw)) {
    if (!isJsonObject(sp)) {
      warnings.push(`SrcPackages[${JSON.stringify(key)}] is not an object`);
      continue;
    }
    const ref: SourceRef = { name: str(sp.name) || key, version: str(sp.version) };
    const binaries = Array.isArray(sp.binaryNames) ? (sp.binaryNames as unknown[]) : [];
    for (const b of binaries) {
      if (typeof b === 'string' && !bySource.has(b)) bySource.set(b, ref);
    }
  }
  return bySource;
}

/** rpm source versions are the SRPM's `version-release`, without epoch, as parseRpmQf gives them; Vuls prefixes the binary's epoch. */
function stripEpoch(version: string): string {
  const colon = version.indexOf(':');
  return colon < 0 ? version : version.slice(colon + 1);
}

function convertPackage(
  manager: PackageManager,
  name: string,
  p: JsonObject,
  version: string,
  src: SourceRef | undefined,
): InstalledPackage {
  const arch = str(p.arch) || null;
  switch (manager) {
    case 'rpm': {
      const colon = version.indexOf(':');
      const epoch = colon > 0 ? version.slice(0, colon) : null;
      const v = colon >= 0 ? version.slice(colon + 1) : version;
      const release = str(p.release) || null;
      return {
        manager,
        name,
        epoch,
        version: v,
        release,
        evr: formatRpmEvr(epoch, v, release),
        arch,
        sourceName: src?.name ?? null,
        sourceVersion: src === undefined || src.version === '' ? null : stripEpoch(src.version),
        vendor: null,
        modularityLabel: str(p.modularitylabel) || null,
        unparsedReason: null,
      };
    }
    case 'dpkg':
      return makeDpkgPackage(name, version, arch, src?.name ?? null, src === undefined || src.version === '' ? null : src.version);
    case 'apk': {
      const pkg = makeApkPackage(name, version, arch, src?.name ?? null);
      if (src !== undefined && src.version !== '') pkg.sourceVersion = src.version;
      return pkg;
    }
  }
}

function buildOs(id: string, release: string): OsInfo {
  const facts = describeDistro(id);
  const name = facts?.name ?? id;
  const debianLike = id === 'debian' || id === 'raspbian';
  const versionId = debianLike ? toDebianMajor(release) : release;
  const codename = lookUpCodename(id, versionId);
  let prettyName = release === '' || release.toLowerCase() === 'tumbleweed' ? name : `${name} ${release}`;
  // As Debian's os-release writes it: "Debian GNU/Linux 12 (bookworm)".
  if (debianLike && codename !== null) prettyName = `${name} ${versionId} (${codename})`;
  return { id, idLike: facts?.idLike ?? [], versionId, codename, name, prettyName };
}

/**
 * Converts a Vuls scan result into a ParsedInventory (source 'vuls'). Throws ERR_INVENTORY_INVALID
 * when the JSON is not a scan result of a supported Linux family; a malformed package entry is a warning.
 */
export function parseVulsScanResult(json: unknown): ParsedInventory {
  if (!isJsonObject(json)) throw invalid(`a Vuls scan result must be a JSON object, got ${describeJsonType(json)}`);
  const serverName = json.serverName;
  if (typeof serverName !== 'string' || serverName === '') throw invalid('not a Vuls scan result: no serverName string');
  const family = json.family;
  if (typeof family !== 'string' || family === '') throw invalid(`Vuls scan result for ${serverName} has no family string`);
  const release = json.release;
  if (typeof release !== 'string') throw invalid(`Vuls scan result for ${serverName} has no release string`);
  const fam = mapVulsFamily(family, release);
  if (fam === null) {
    throw invalid(
      `Vuls scan result for ${serverName}: family ${JSON.stringify(family)} is not supported (supported: ${[...VULS_FAMILIES.keys()].join(', ')})`,
    );
  }
  const rawPackages = json.packages;
  if (rawPackages === undefined) throw invalid(`Vuls scan result for ${serverName} has no packages object`);
  if (!isJsonObject(rawPackages)) throw invalid(`Vuls scan result for ${serverName}: packages must be an object, got ${describeJsonType(rawPackages)}`);

  const warnings: string[] = [];
  if (Array.isArray(json.errors)) {
    for (const e of json.errors as unknown[]) warnings.push(`Vuls reported a scan error: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
  }
  const sources = indexSources(Object.hasOwn(json, 'SrcPackages') ? json.SrcPackages : json.srcPackages, warnings);

  const packages: InstalledPackage[] = [];
  for (const [key, p] of Object.entries(rawPackages)) {
    if (!isJsonObject(p)) {
      warnings.push(`packages[${JSON.stringify(key)}] is not an object`);
      continue;
    }
    const name = str(p.name) || key;
    if (name === 'gpg-pubkey') continue;
    const version = str(p.version);
    if (version === '') {
      warnings.push(`packages[${JSON.stringify(key)}] has no version`);
      continue;
    }
    packages.push(convertPackage(fam.manager, name, p, version, sources.get(name)));
  }

  const kernel = isJsonObject(json.runningKernel) ? json.runningKernel : {};
  const scannedAt = str(json.scannedAt);
  let collectedAt: Date | null = null;
  // Go's zero time (0001-01-01T00:00:00Z) means "not set".
  if (scannedAt !== '' && !scannedAt.startsWith('0001-01-01')) {
    collectedAt = parseRfc3339(scannedAt);
    if (collectedAt === null) warnings.push(`scannedAt ${JSON.stringify(scannedAt)} is not an RFC 3339 time; ignored`);
  }

  return {
    source: 'vuls',
    collectedAt,
    host: {
      hostname: serverName,
      fqdn: null,
      machineId: null,
      arch: null,
      kernelRelease: str(kernel.release) || null,
      kernelVersion: str(kernel.version) || null,
    },
    os: buildOs(fam.id, release),
    packages,
    warnings,
  };
}
