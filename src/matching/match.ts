/**
 * Matches one host's packages against the advisory rows of its distribution
 * release (of each of its release keys: `MatchTarget.keys`). Pure: the caller looks rows up by the name the family's advisories
 * use (binary RPM name, Debian/Ubuntu source package, Alpine origin).
 *
 * For each (vulnerability, installed package) every source that has rows for
 * it gives a verdict; the family's preferred source decides (including "not
 * vulnerable": vendor data beats generic data), the others add their advisory
 * ids and explanations.
 */
import { isAppError } from '../errors.js';
import { compareVersions } from '../versioning/index.js';
import { driverFor } from './drivers/index.js';
import { evaluateRanges } from './evaluate.js';
import { selectRunningKernelOf } from './kernel.js';
import { isTargetRow } from './release.js';
import type { Explanation, Finding, FixState, HostMatchInput, HostMatchResult, MatchPackage, MatchableRow } from './types.js';

interface Verdict {
  row: MatchableRow;
  /** The version compared (for Debian/Ubuntu the source version). */
  version: string;
  affected: boolean;
  fixedVersion: string | null;
  /** Its comparison in words, made when a finding first needs it. */
  comparison?: string;
}

const FIX_STATE: Record<MatchableRow['status'], FixState | null> = {
  fixed: 'fixed',
  affected: 'unfixed',
  under_investigation: 'unfixed',
  end_of_life: 'unfixed',
  will_not_fix: 'will_not_fix',
  fix_deferred: 'fix_deferred',
  not_affected: null,
};

/** Vendor errata ids: RHSA-2021:0221, ALSA-2024:1234, RLSA-…, ELSA-… */
const ERRATUM = /\b[A-Z]{2,5}SA-\d{4}:\d{3,6}\b/g;

function judge(row: MatchableRow, version: string): Verdict {
  if (row.status === 'not_affected') return { row, version, affected: false, fixedVersion: null };
  if (row.ranges.length === 0 && row.versions.length === 0) return { row, version, affected: true, fixedVersion: null };
  const e = evaluateRanges(version, row, false);
  return { row, version, affected: e.affected, fixedVersion: e.fixedVersion };
}

/** The verdict's comparison in words, for the finding's explanation. */
function comparisonOf(v: Verdict): string {
  if (v.row.status === 'not_affected') return 'vendor: not affected';
  if (v.row.ranges.length === 0 && v.row.versions.length === 0) return `vendor: ${v.row.status.replaceAll('_', ' ')}, every version`;
  return (v.comparison ??= evaluateRanges(v.version, v.row).comparison);
}

const vulnerabilitiesOf = (row: MatchableRow): readonly string[] => (row.cves.length > 0 ? row.cves : [row.advisoryId]);

export function matchHost(input: HostMatchInput, rowsByName: ReadonlyMap<string, readonly MatchableRow[]>): HostMatchResult {
  const { target } = input;
  const driver = driverFor(target.family);
  const kernel = selectRunningKernelOf(target, input.packages, input.kernelRelease);
  const findings: Finding[] = [];
  const problems: string[] = [];

  for (const p of kernel.packages) {
    if (p.unparsedReason !== null || (input.only !== undefined && !input.only.has(p.name))) continue;
    const verdicts: Verdict[] = [];
    let affecting = false;
    for (const key of driver.keys(p)) for (const row of rowsByName.get(key.name) ?? []) {
      if ((key.accepts !== undefined && !key.accepts(row)) || row.withdrawn || !isTargetRow(target, row) || !driver.applies(row, p)) continue;
      let verdict: Verdict;
      try {
        verdict = judge(row, key.version);
      } catch (e) {
        if (!isAppError(e)) throw e;
        problems.push(`${row.source} ${row.advisoryId} ${row.packageName}: ${e.message}`);
        continue;
      }
      verdicts.push(verdict);
      if (verdict.affected) affecting = true;
    }
    // Only a vulnerability some row says affects the package can become a finding: group only those
    // (a patched package, the common case, needs no grouping at all).
    if (!affecting) continue;
    const hit = new Set<string>();
    for (const v of verdicts) if (v.affected) for (const vuln of vulnerabilitiesOf(v.row)) hit.add(vuln);
    const byVuln = new Map<string, Verdict[]>();
    for (const v of verdicts) {
      for (const vuln of vulnerabilitiesOf(v.row)) {
        if (!hit.has(vuln)) continue;
        const list = byVuln.get(vuln);
        if (list === undefined) byVuln.set(vuln, [v]);
        else list.push(v);
      }
    }
    for (const [vulnerability, verdicts] of byVuln) {
      const f = decide(vulnerability, verdicts, p, (s) => driver.sourceRank(s));
      if (f !== null) {
        f.remediation = f.fixState === 'fixed' ? driver.remediation(target, [p.name], f.advisories) : null;
        findings.push(f);
      }
    }
  }

  findings.sort((a, b) => cmp(a.vulnerability, b.vulnerability) || cmp(a.package, b.package) || cmp(a.arch, b.arch) || cmp(a.installedVersion, b.installedVersion));
  const fixable = findings.filter((f) => f.fixState === 'fixed');
  const remediation =
    fixable.length === 0
      ? null
      : driver.remediation(
          target,
          [...new Set(fixable.map((f) => f.package))].sort(),
          [...new Set(fixable.flatMap((f) => f.advisories))].sort(),
        );
  return { findings, rebootRequired: kernel.rebootRequired, remediation, problems };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decide(
  vulnerability: string,
  verdicts: Verdict[],
  p: MatchPackage,
  rank: (source: string) => number,
): Finding | null {
  verdicts.sort((a, b) => rank(a.row.source) - rank(b.row.source) || cmp(a.row.advisoryId, b.row.advisoryId));
  const decidingSource = verdicts[0]!.row.source;
  const deciding = verdicts.filter((v) => v.row.source === decidingSource);
  // The deciding source says not affected for this release, or no range of it holds the installed version.
  if (deciding.some((v) => v.row.status === 'not_affected')) return null;
  const hits = deciding.filter((v) => v.affected);
  if (hits.length === 0) return null;

  // Several advisories of one source: the package is fixed only at the highest fixed version among them.
  const fixed = hits.filter((v) => v.row.status === 'fixed' && v.fixedVersion !== null);
  const main =
    fixed.length > 0
      ? fixed.reduce((best, v) => (compareVersions(v.row.scheme, v.fixedVersion!, best.fixedVersion!) > 0 ? v : best))
      : hits.reduce((best, v) => (FIX_STATE[v.row.status] === 'unfixed' && FIX_STATE[best.row.status] !== 'unfixed' ? v : best));
  const fixState = FIX_STATE[main.row.status] ?? 'unfixed';
  const severity = main.row.severity ?? { normalized: main.row.advisorySeverity, vendor: main.row.advisorySeverityLabel };
  const advisories = new Set<string>();
  for (const v of verdicts) {
    if (!v.affected) continue;
    if (v.row.advisoryId !== vulnerability) advisories.add(v.row.advisoryId);
    // Per-CVE sources (Red Hat Security Data, VEX) name the erratum that fixes it in the row's note.
    for (const m of v.row.note?.matchAll(ERRATUM) ?? []) advisories.add(m[0]);
  }
  const sources: string[] = [];
  for (const v of verdicts) if (!sources.includes(v.row.source)) sources.push(v.row.source);
  const explanation: Explanation[] = verdicts.map((v) => ({
    source: v.row.source,
    advisoryId: v.row.advisoryId,
    status: v.row.status,
    comparison: comparisonOf(v),
  }));
  return {
    vulnerability,
    advisories: [...advisories].sort(),
    package: p.name,
    arch: p.arch,
    sourcePackage: main.row.packageName,
    installedVersion: p.evr,
    fixedVersion: fixState === 'fixed' ? main.fixedVersion : null,
    fixState,
    severity: severity.normalized,
    severityLabel: severity.vendor,
    remediation: null,
    sources,
    explanation,
  };
}
