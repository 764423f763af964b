/**
 * Upstream shapes of the Debian security tracker's data, as far as the parsers read them.
 *
 * 1. The tracker JSON (https://security-tracker.debian.org/tracker/data/json):
 *    source package → issue id (CVE id, or `TEMP-…` for issues without one) → issue.
 * 2. The advisory lists `data/DSA/list` and `data/DLA/list` of the security-tracker
 *    repository (text, see `parse-lists.ts`).
 */

/** Source package name → issue id → issue. */
export type TrackerJson = Record<string, Record<string, TrackerIssue>>;

export interface TrackerIssue {
  description?: string;
  scope?: string;
  debianbug?: number;
  /** Codename → status in that release. Empty issues are serialized as `[]`. */
  releases: Record<string, TrackerRelease> | [];
}

export interface TrackerRelease {
  /** `resolved`: fixed (or not affected when `fixed_version` is `"0"`); `open`: affected; `undetermined`: not yet known. */
  status: 'resolved' | 'open' | 'undetermined';
  /** Source version that fixes it; `"0"` = never affected. Absent while open. */
  fixed_version?: string;
  /** `unimportant`, `low`, `medium`, `high`, `not yet assigned`, `end-of-life`; `*`/`**` suffixes mark automatic ones. */
  urgency?: string;
  /** Suite → version currently in that suite (`bookworm-security`). */
  repositories?: Record<string, string>;
  /** Set when no DSA is planned: the reason text (`Minor issue`). */
  nodsa?: string;
  /** `ignored` (will not be fixed), `postponed` (fix deferred to a later update), or empty. */
  nodsa_reason?: string;
}

/** One entry of `data/DSA/list` or `data/DLA/list`. */
export interface TrackerListEntry {
  /** `DSA-5380-1`, `DLA-3379-1`, old ones `DSA-1304`. */
  id: string;
  /** `2023-03-29`. */
  date: string;
  /** Text after the id: `xorg-server - security update`. */
  title: string;
  /** CVE ids (and occasionally other advisory ids) in the `{…}` line. */
  ids: string[];
  /** `[bullseye] - xorg-server 2:1.20.11-1+deb11u6` lines. */
  fixes: TrackerListFix[];
}

export interface TrackerListFix {
  codename: string;
  packageName: string;
  /** A version, or a marker: `<not-affected>`, `<unfixed>`, `<end-of-life>`, `<no-dsa>`, `<ignored>`, `<postponed>`. */
  version: string;
  /** Text in the trailing parentheses: `bug #332524; medium`, `Vulnerable code not present`. */
  remark: string | null;
}
