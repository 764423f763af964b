/** What matching produces. Types only. */
import type { AffectedPackage, AffectedStatus, DistroId, Severity, VersionScheme } from '../domain/advisory.js';

/** What a finding's package can do about it, as the JSON contract names it. */
export type FixState = 'fixed' | 'unfixed' | 'will_not_fix' | 'fix_deferred';

/** An affected-package row with the facts of its advisory that matching needs. */
export interface MatchableRow extends AffectedPackage {
  /** CVE ids of the advisory (empty when it names none). */
  cves: string[];
  advisorySeverity: Severity;
  /** The vendor's severity label of the advisory (Important, medium…), null when none. */
  advisorySeverityLabel: string | null;
  withdrawn: boolean;
}

/**
 * One (distribution, release) key a host's advisory rows are stored under, and which of
 * its rows the host sees there: `all` of them (the driver still decides per channel),
 * only those of an add-on product or module (`addons`: channel not null), or only those
 * of a `module-*` channel (`modules`).
 */
export interface ReleaseKey {
  distro: DistroId;
  release: string;
  rows: 'all' | 'addons' | 'modules';
}

/** Which advisory data a host is matched against, decided from its os-release. */
export interface MatchTarget {
  family: 'redhat' | 'debian' | 'alpine' | 'suse';
  /** os-release ID of the host. */
  hostDistro: string;
  /** Distribution and release key the advisories are stored under (CentOS 7 → rhel 7). */
  distro: DistroId;
  release: string;
  /**
   * Every key the host's rows live under, `distro`/`release` (all rows) first. One key for
   * most families; SUSE Linux Enterprise Desktop and Server for SAP also see the SLES
   * modules and add-ons of their service pack, SLE 12 SPn the SLE 12 modules (which have no SP).
   */
  keys: readonly ReleaseKey[];
  scheme: VersionScheme;
  /** The distribution's end of (security) support for this release; null when unknown. */
  endOfLife: string | null;
}

export type TargetResult = { supported: true; target: MatchTarget } | { supported: false; reason: string };

/** Why one advisory row matched (or not) one installed package: the finding explains itself. */
export interface Explanation {
  source: string;
  advisoryId: string;
  status: AffectedStatus;
  /** e.g. `2:7.4.160-5.el7 < 2:7.4.160-6.el7_6 (rpm)` or `in versions list`. */
  comparison: string;
}

export interface Finding {
  /** CVE id when the advisory names one, the advisory id otherwise. */
  vulnerability: string;
  /** Vendor advisories (RHSA/ALSA/DSA/USN…) that cover it for this package, sorted. */
  advisories: string[];
  /** The installed (binary) package. */
  package: string;
  arch: string;
  /** The package the advisory is keyed on: source package (Debian, Ubuntu, Alpine) or the binary (RHEL family). */
  sourcePackage: string;
  /** The installed package's version (for Debian/Ubuntu the comparison uses its source version; see `explanation`). */
  installedVersion: string;
  /** First fixed version in the deciding source, null when there is none. */
  fixedVersion: string | null;
  fixState: FixState;
  severity: Severity;
  /** The vendor's own label for the severity (Important, medium, high**), null when none. */
  severityLabel: string | null;
  /** The command that applies the fix on the host, null when there is no fix yet. */
  remediation: string | null;
  /** Sources that reported it, deciding source first. */
  sources: string[];
  explanation: Explanation[];
}

export interface HostMatchInput {
  target: MatchTarget;
  kernelRelease: string | null;
  packages: readonly MatchPackage[];
  /**
   * Evaluate only packages with these names; the others are there to tell which
   * kernel runs (a partial re-match of one kernel package). All when absent.
   */
  only?: ReadonlySet<string>;
}

export interface MatchPackage {
  name: string;
  arch: string;
  evr: string;
  sourceName: string | null;
  sourceVersion: string | null;
  modularityLabel: string | null;
  unparsedReason: string | null;
}

export interface HostMatchResult {
  findings: Finding[];
  /** A newer kernel is installed than the one running. */
  rebootRequired: boolean;
  /** One command applying every available fix on the host, null when nothing is fixable. */
  remediation: string | null;
  /** Feed rows that could not be evaluated (e.g. a fixed version the scheme rejects), for the match summary. */
  problems: string[];
}
