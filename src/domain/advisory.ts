/**
 * The normalized advisory model: what every feed parser in `src/feeds/*` produces
 * and what matching consumes. Types only.
 *
 * ## Keys
 *
 * An advisory is identified by `(source, id)`. An affected-package row points back
 * to it with `(source, advisoryId)` and is keyed for matching by
 * `(distro, release, channel, packageName, moduleStream, arch)`.
 *
 * ## Release keys (`AffectedPackage.release`)
 *
 * The release key is what the host's `/etc/os-release` `VERSION_ID` reduces to, so
 * matching can look it up without a translation table:
 *
 * | distro                               | release key                   | from feeds                                        |
 * |--------------------------------------|-------------------------------|---------------------------------------------------|
 * | `almalinux`, `rocky`, `rhel`         | major: `"8"`                  | `AlmaLinux:8`, `Rocky Linux:9`, `Red Hat:enterprise_linux:9::appstream` |
 * | `debian`                             | major: `"12"`; `"sid"`        | `Debian:12`; tracker codenames via the table in `feeds/debian-tracker/releases.ts` (bookworm → 12) |
 * | `ubuntu`                             | `"22.04"`                     | `Ubuntu:22.04:LTS`, `Ubuntu:Pro:16.04:LTS` (→ 16.04 + channel `pro`) |
 * | `alpine`                             | `"3.19"`; `"edge"`            | `Alpine:v3.19`, secdb `distroversion: v3.19`      |
 * | `sles`, `sled`, `sles_sap`, `sle_hpc`, `sle-micro` | `"15.5"` (15 SP5), `"12"` (12 GA) | `SUSE:Linux Enterprise Server 15 SP5`  |
 * | `opensuse-leap`, `opensuse-leap-micro` | `"15.5"`                    | `openSUSE:Leap 15.5`                              |
 * | `opensuse-tumbleweed`                | `"rolling"`                   | `openSUSE:Tumbleweed`                             |
 *
 * Debian uses the major version (not the codename) because OSV (`Debian:12`) and
 * os-release (`VERSION_ID="12"`) both do; the tracker's codenames are translated.
 * Unstable keeps its name `"sid"` (it has no number and no `VERSION_ID`).
 *
 * ## Channels (`AffectedPackage.channel`)
 *
 * The same release can get different builds from different update streams. The
 * stream is kept apart from the release key so that a lookup by release finds
 * every stream, and the driver chooses the ones the host is entitled to:
 *
 * - `null`: the release's ordinary, freely available updates.
 * - Ubuntu: `pro` (ESM, `Ubuntu:Pro:18.04:LTS`), `pro:fips`, `pro:fips-updates`,
 *   `pro:fips-preview`, `pro:realtime-kernel`; other suffixes lower-cased and
 *   dash-joined (`nvidia-bluefield`).
 * - RHEL: extended-support minor streams as `<stream>:<minor>`: `aus:8.6`,
 *   `e4s:8.6`, `tus:8.6`, `eus:9.2` (`Red Hat:rhel_aus:8.6::appstream`).
 * - SUSE: the product or module when it is not the base product, e.g.
 *   `module-basesystem`, `ltss`, `nonfree`.
 *
 * ## Ranges
 *
 * OSV semantics (ossf/osv-schema `docs/schema.md`, "Evaluation"): a version is
 * affected when it is listed in `versions`, or falls in any range
 * `introduced <= v < fixed` (or `<= lastAffected`). `introduced: '0'` means "from
 * the very first version". A range without `fixed`/`lastAffected` is open-ended.
 * Versions are stored exactly as the feed wrote them, in the scheme's syntax.
 */

import type { PackageManager } from './inventory.js';

/** Version comparison scheme of a package: the package manager's own ordering. */
export type VersionScheme = PackageManager;

/** Normalized severity, highest first. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown';

/** Severity as the vendor wrote it, plus our normalization of it. */
export interface VendorSeverity {
  /**
   * The vendor's own label, verbatim: `Important` (Red Hat family), `medium`
   * (Ubuntu priority), `high**` (Debian urgency). Null when the vendor gave no
   * label and `normalized` was derived from the highest CVSS base score instead.
   */
  vendor: string | null;
  normalized: Severity;
}

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface CvssScore {
  version: CvssVersion;
  /** The vector as published (`CVSS:3.1/AV:N/...`; CVSS v2 vectors have no prefix). */
  vector: string;
  /**
   * Base score as the publisher stated it; when the publisher gave only a vector
   * (OSV), the score computed from it with ae-cvss-calculator.
   */
  baseScore: number;
  /** Who scored it: `nvd@nist.gov`, a CNA's address, or the advisory source (`osv:Ubuntu`). */
  source: string;
}

/** OSV reference types; other vocabularies are mapped onto these. */
export type ReferenceType =
  | 'ADVISORY'
  | 'ARTICLE'
  | 'DETECTION'
  | 'DISCUSSION'
  | 'REPORT'
  | 'FIX'
  | 'INTRODUCED'
  | 'GIT'
  | 'PACKAGE'
  | 'EVIDENCE'
  | 'WEB';

export interface Reference {
  url: string;
  type: ReferenceType;
}

/**
 * Where an advisory came from. OSV sources are `osv:<ecosystem family>` (`osv:AlmaLinux`,
 * `osv:Rocky Linux`, `osv:Ubuntu`, `osv:Debian`, `osv:Alpine`, `osv:Red Hat`, `osv:SUSE`,
 * `osv:openSUSE`); the others are `debian-tracker` (per-CVE), `debian-dsa`, `debian-dla`,
 * `alpine-secdb` (per-CVE).
 */
export type AdvisorySource = string;

export interface Advisory {
  /** The source's id: `ALSA-2023:0210`, `DSA-5380-1`, `UBUNTU-CVE-2021-3782`, or a bare `CVE-2023-1234` for per-CVE sources. */
  id: string;
  source: AdvisorySource;
  /** CVE ids this advisory is about (from aliases, upstream, related, or the id itself), sorted, unique. */
  cves: string[];
  /** Other ids it names (`USN-5614-1`, `GO-2024-2687`, `XSA-207`, `TALOS-2017-0488`), sorted, unique. */
  relatedIds: string[];
  title: string | null;
  description: string | null;
  severity: VendorSeverity;
  cvss: CvssScore[];
  /** ISO-8601 strings as published (date-only `2023-03-29` for sources that give only a date); null when unknown. */
  published: string | null;
  modified: string | null;
  /** Set when the source withdrew the advisory (OSV `withdrawn`): keep it, match nothing with it. */
  withdrawn: string | null;
  references: Reference[];
}

/** os-release `ID` of the distributions we key advisories for. */
export type DistroId =
  | 'almalinux'
  | 'rocky'
  | 'rhel'
  | 'debian'
  | 'ubuntu'
  | 'alpine'
  | 'sles'
  | 'sled'
  | 'sles_sap'
  | 'sle_hpc'
  | 'sle-micro'
  | 'opensuse-leap'
  | 'opensuse-leap-micro'
  | 'opensuse-tumbleweed';

export type AffectedStatus =
  /** A fix exists: versions in the ranges are affected, `fixed` ones and later are not. */
  | 'fixed'
  /** Affected and no fix published yet (or the feed cannot say why not). */
  | 'affected'
  /** The vendor decided not to fix it in this release (Debian `<ignored>`/`<no-dsa>`, Ubuntu `ignored`). */
  | 'will_not_fix'
  /** A fix is postponed to a later update (Debian `<postponed>`). */
  | 'fix_deferred'
  /** The package in this release is not affected: nothing matches. */
  | 'not_affected'
  /** Affected, and the release (or the package in it) is out of support. */
  | 'end_of_life'
  /** The vendor has not decided yet whether it is affected (Debian `undetermined`). */
  | 'under_investigation';

/** One OSV-style range, already paired from the event timeline. */
export interface AffectedRange {
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
}

export interface AffectedPackage {
  source: AdvisorySource;
  advisoryId: string;
  distro: DistroId;
  /** See "Release keys" above. */
  release: string;
  /** See "Channels" above; null = the ordinary update stream. */
  channel: string | null;
  /** As the distribution keys it: the source package for Debian/Ubuntu/Alpine/SUSE, the binary RPM for the RHEL family. */
  packageName: string;
  /** Binary packages built from `packageName`, when the feed lists them (Ubuntu, SUSE); null otherwise. */
  binaryNames: string[] | null;
  /** `name:stream` of the RHEL-family module the fixed build belongs to (`nodejs:18`), null when none. */
  moduleStream: string | null;
  /** Null = all architectures. */
  arch: string | null;
  scheme: VersionScheme;
  ranges: AffectedRange[];
  /** Explicitly listed affected versions (OSV `versions`); empty when none were given. */
  versions: string[];
  status: AffectedStatus;
  /** Per-package severity where the vendor rates per release (Debian urgency); null = the advisory's. */
  severity: VendorSeverity | null;
  /** The vendor's reason or remark for the status (`Minor issue`, `Vulnerable code not present`), null when none. */
  note: string | null;
}

/** NVD's CVSS metric: a `CvssScore` plus NVD's classification of it. */
export interface NvdCvss extends CvssScore {
  type: 'Primary' | 'Secondary';
  /** NVD's `baseSeverity` label (`HIGH`), null when absent. */
  baseSeverity: string | null;
}

export interface NvdReference {
  url: string;
  source: string | null;
  tags: string[];
}

/** Facts about one CVE from NVD (CVE API 2.0). */
export interface NvdEnrichment {
  kind: 'nvd';
  cve: string;
  sourceIdentifier: string | null;
  vulnStatus: string | null;
  published: string | null;
  lastModified: string | null;
  /** English description. */
  description: string | null;
  cvss: NvdCvss[];
  /** `CWE-79`, plus NVD's `NVD-CWE-Other` / `NVD-CWE-noinfo` as given; sorted, unique. */
  cwes: string[];
  references: NvdReference[];
}

/** CISA Known Exploited Vulnerabilities catalog entry. */
export interface KevEnrichment {
  kind: 'kev';
  cve: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  shortDescription: string;
  requiredAction: string;
  /** `YYYY-MM-DD`. */
  dateAdded: string;
  /** `YYYY-MM-DD`. */
  dueDate: string;
  /** `Known` or `Unknown` as CISA writes it. */
  knownRansomwareCampaignUse: string;
  notes: string;
  cwes: string[];
  catalogVersion: string | null;
}

/** FIRST EPSS score of one CVE on one day. */
export interface EpssEnrichment {
  kind: 'epss';
  cve: string;
  /** Probability of exploitation in the next 30 days, 0..1. */
  score: number;
  /** 0..1. */
  percentile: number;
  /** Score date as given in the header (`2024-10-25T00:00:00+0000`), null when the header is missing. */
  date: string | null;
  /** `v2023.03.01`, null when the header is missing. */
  modelVersion: string | null;
}

/** Per-CVE facts, kept per source and never merged into advisories. */
export type CveEnrichment = NvdEnrichment | KevEnrichment | EpssEnrichment;

/** Something wrong with one record; the rest of the document was still parsed. */
export interface FeedProblem {
  /** Which record: its id when it has one (`ALSA-2023:0049`, `CVE-2021-3782`), else a position (`vulnerabilities[3]`, `line 12`). */
  record: string;
  message: string;
}

export interface FeedParseResult {
  advisories: Advisory[];
  affected: AffectedPackage[];
  enrichments: CveEnrichment[];
  problems: FeedProblem[];
}
