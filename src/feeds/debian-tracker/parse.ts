/**
 * The Debian security tracker JSON (https://security-tracker.debian.org/tracker/data/json)
 * → one advisory per issue (source `debian-tracker`, id = the CVE id or the tracker's
 * `TEMP-…` id) and one affected package per (source package, release). Pure.
 *
 * Status per release, following the tracker's own meanings:
 *
 * | tracker                                         | status                |
 * |-------------------------------------------------|-----------------------|
 * | `resolved`, `fixed_version: "0"`                | `not_affected`        |
 * | `resolved`, `fixed_version: V`                  | `fixed` (< V)         |
 * | `open` with `nodsa_reason: ignored`             | `will_not_fix`        |
 * | `open` with `nodsa` and no reason (`<no-dsa>`)  | `will_not_fix`        |
 * | `open` with `nodsa_reason: postponed`           | `fix_deferred`        |
 * | `open` with `urgency: end-of-life`              | `end_of_life`         |
 * | `open` otherwise                                | `affected`            |
 * | `undetermined`                                  | `under_investigation` |
 *
 * `<no-dsa>` means the security team will not issue an update (a later point release
 * may still fix it), which is treated like `ignored`; the tracker's `nodsa` text is kept
 * as the package's `note`. The urgency is kept per package and release (`severity`);
 * the advisory's severity is the highest urgency of any of its entries.
 */
import type { Advisory, AffectedPackage, AffectedStatus, FeedParseResult, Reference, VendorSeverity } from '../../domain/advisory.js';
import { CVE_ID } from '../shared/ids.js';
import { invalidDocument, isObject, parseJsonDocument, str, typeName, type JsonObject } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { debianSeverity, severityRank, UNKNOWN_SEVERITY } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { debianReleaseOf } from './releases.js';

const FEED = 'Debian security tracker JSON';
export const DEBIAN_TRACKER_SOURCE = 'debian-tracker';
const TRACKER_URL = 'https://security-tracker.debian.org/tracker/';

export function parseDebianTracker(input: string | Uint8Array): FeedParseResult {
  return parseDebianTrackerValue(parseJsonDocument(input, FEED));
}

export function parseDebianTrackerValue(doc: unknown): FeedParseResult {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected an object of source packages, got ${typeName(doc)}`);
  const packages = Object.keys(doc);
  if (packages.length > 0 && !packages.some((p) => isObject(doc[p]))) {
    throw invalidDocument(FEED, 'no member is an object of issues: not a tracker document');
  }
  const out = emptyResult();
  const advisories = new Map<string, Advisory>();
  for (const pkg of packages) {
    const issues = doc[pkg];
    if (!isObject(issues)) {
      addProblem(out, pkg, `package entry is ${typeName(issues)}, not an object of issues`);
      continue;
    }
    for (const issueId of Object.keys(issues)) {
      appendIssue(out, advisories, pkg, issueId, issues[issueId]);
    }
  }
  for (const a of advisories.values()) out.advisories.push(a);
  return out;
}

function appendIssue(out: FeedParseResult, advisories: Map<string, Advisory>, pkg: string, issueId: string, issue: unknown): void {
  const record = `${issueId} ${pkg}`;
  if (!isObject(issue)) {
    addProblem(out, record, `issue is ${typeName(issue)}, not an object`);
    return;
  }
  let advisory = advisories.get(issueId);
  if (advisory === undefined) {
    advisory = {
      id: issueId,
      source: DEBIAN_TRACKER_SOURCE,
      cves: CVE_ID.test(issueId) ? [issueId] : [],
      relatedIds: [],
      title: null,
      description: null,
      severity: UNKNOWN_SEVERITY,
      cvss: [],
      published: null,
      modified: null,
      withdrawn: null,
      references: [{ url: TRACKER_URL + encodeURIComponent(issueId), type: 'WEB' }],
    };
    advisories.set(issueId, advisory);
  }
  advisory.description ??= str(issue.description);
  if (typeof issue.debianbug === 'number' && Number.isInteger(issue.debianbug)) {
    addReference(advisory.references, { url: `https://bugs.debian.org/${issue.debianbug}`, type: 'REPORT' });
  }

  const releases = issue.releases;
  if (Array.isArray(releases)) {
    // The tracker serializes an empty mapping as [].
    if (releases.length > 0) addProblem(out, record, 'releases is a non-empty array, not an object');
    return;
  }
  if (!isObject(releases)) {
    addProblem(out, record, `releases is ${typeName(releases)}, not an object`);
    return;
  }
  for (const codename of Object.keys(releases)) {
    const r = releases[codename];
    if (!isObject(r)) {
      addProblem(out, record, `release ${codename} is ${typeName(r)}, not an object`);
      continue;
    }
    const release = debianReleaseOf(codename);
    if (release === null) {
      addProblem(out, record, `unknown release codename "${codename}"; skipped`);
      continue;
    }
    const p = affectedOf(r, (m) => {
      addProblem(out, record, `${codename}: ${m}`);
    });
    if (p === null) continue;
    if (p.severity !== null && severityRank(p.severity.normalized) > severityRank(advisory.severity.normalized)) {
      advisory.severity = p.severity;
    }
    const row: AffectedPackage = {
      source: DEBIAN_TRACKER_SOURCE,
      advisoryId: issueId,
      distro: 'debian',
      release,
      channel: null,
      packageName: pkg,
      binaryNames: null,
      moduleStream: null,
      arch: null,
      scheme: 'dpkg',
      ranges: p.ranges,
      versions: [],
      status: p.status,
      severity: p.severity,
      note: p.note,
    };
    out.affected.push(row);
    reportInvalidVersions(out, record, row);
  }
}

type Entry = Pick<AffectedPackage, 'ranges' | 'status' | 'severity' | 'note'>;

function affectedOf(r: JsonObject, problem: (m: string) => void): Entry | null {
  const urgency = str(r.urgency);
  let severity: VendorSeverity | null = null;
  if (urgency !== null) {
    const n = debianSeverity(urgency);
    if (n === null) problem(`unknown urgency "${urgency}"`);
    severity = { vendor: urgency, normalized: n ?? 'unknown' };
  }
  const nodsa = str(r.nodsa);
  const nodsaReason = str(r.nodsa_reason);
  const status = str(r.status);
  if (status === null) {
    problem('no status; skipped');
    return null;
  }
  switch (status) {
    case 'resolved': {
      const fixed = str(r.fixed_version);
      if (fixed === null) {
        problem('resolved without a fixed_version; skipped');
        return null;
      }
      if (fixed === '0') return { ranges: [], status: 'not_affected', severity, note: null };
      return { ranges: [{ introduced: '0', fixed }], status: 'fixed', severity, note: null };
    }
    case 'open': {
      let s: AffectedStatus = 'affected';
      if (nodsaReason === 'ignored') s = 'will_not_fix';
      else if (nodsaReason === 'postponed') s = 'fix_deferred';
      else if (nodsaReason !== null) problem(`unknown nodsa_reason "${nodsaReason}"; kept as affected`);
      else if (nodsa !== null) s = 'will_not_fix';
      else if (urgency !== null && urgency.replace(/\*+$/, '') === 'end-of-life') s = 'end_of_life';
      return { ranges: [{ introduced: '0' }], status: s, severity, note: nodsa };
    }
    case 'undetermined':
      return { ranges: [{ introduced: '0' }], status: 'under_investigation', severity, note: nodsa };
    default:
      problem(`unknown status "${status}"; skipped`);
      return null;
  }
}

function addReference(refs: Reference[], ref: Reference): void {
  if (!refs.some((r) => r.url === ref.url)) refs.push(ref);
}
