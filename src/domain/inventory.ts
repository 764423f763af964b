/** Types of the host inventory as the server understands it (after parsing). */

export type PackageManager = 'rpm' | 'dpkg' | 'apk';

export const PACKAGE_SECTION_FORMATS = ['rpm-qf-v1', 'dpkg-query-v1', 'dpkg-status', 'apk-installed'] as const;
export type PackageSectionFormat = (typeof PACKAGE_SECTION_FORMATS)[number];

/** The agent's document, schema version 1 (docs/inventory-format.md). */
export interface InventoryDocumentV1 {
  schemaVersion: 1;
  agent?: { name?: string; version?: string };
  collectedAt?: string;
  root?: string;
  host: {
    hostname: string;
    fqdn?: string;
    machineId?: string;
    arch?: string;
    kernelRelease?: string;
    kernelVersion?: string;
  };
  files: Record<string, string>;
  packages: { format: PackageSectionFormat; data: string }[];
}

/** `/etc/os-release` and friends, reduced to what matching needs. */
export interface OsInfo {
  /** os-release ID, lower case: rhel, centos, almalinux, rocky, ol, debian, ubuntu, alpine, amzn, sles, opensuse-leap, fedora … */
  id: string;
  /** os-release ID_LIKE split on spaces. */
  idLike: string[];
  /** VERSION_ID as written (e.g. "9.3", "12", "3.19.1", "20.04"); for Alpine the full /etc/alpine-release. */
  versionId: string;
  /** VERSION_CODENAME (bookworm, focal) where known. */
  codename: string | null;
  name: string;
  prettyName: string;
}

export interface InstalledPackage {
  manager: PackageManager;
  name: string;
  /** rpm EPOCH / dpkg epoch as digits; null when absent. */
  epoch: string | null;
  /** rpm VERSION, dpkg upstream version, apk full version. */
  version: string;
  /** rpm RELEASE, dpkg Debian revision; null when absent (and always for apk). */
  release: string | null;
  /** The whole comparable version in its scheme: rpm `[E:]V-R`, dpkg Version, apk V. */
  evr: string;
  arch: string | null;
  /** Source package: rpm SOURCERPM name, dpkg Source, apk origin. Null when unknown. */
  sourceName: string | null;
  sourceVersion: string | null;
  vendor: string | null;
  /** rpm MODULARITYLABEL (name:stream:version:context) on RHEL 8+ module builds. */
  modularityLabel: string | null;
  /** Set when the package was stored but its version could not be parsed in its scheme. */
  unparsedReason: string | null;
}

export type InventorySource = 'agent' | 'upload' | 'vuls';

export interface ParsedInventory {
  source: InventorySource;
  collectedAt: Date | null;
  host: {
    hostname: string;
    fqdn: string | null;
    machineId: string | null;
    arch: string | null;
    kernelRelease: string | null;
    kernelVersion: string | null;
  };
  os: OsInfo;
  packages: InstalledPackage[];
  /** Non-fatal oddities met while parsing (skipped lines etc.). */
  warnings: string[];
}
