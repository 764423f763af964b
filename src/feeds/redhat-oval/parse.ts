/**
 * Red Hat OVAL v2 → advisories (source `redhat-oval`) and affected binary RPMs. Pure;
 * the XML is read as a stream (`../shared/oval.ts`, DTDs refused); `.bz2` files are
 * decompressed by the caller.
 *
 * - `patch` definitions: one advisory per RHSA/RHBA/RHEA, with one `fixed` row per
 *   binary package criterion "X is earlier than EVR" (`introduced: '0'`, `fixed: EVR`).
 * - `vulnerability` definitions (the "including unpatched" files): one advisory per CVE;
 *   "X is installed" gives the component's `<resolution state>` (`Affected`, `Will not
 *   fix`, `Fix deferred`, `Out of support scope`, `Under investigation` → see
 *   `redHatFixState`), or `affected` when none is given; "X is not installed"
 *   ("Unaffected components for: CVE-…") gives `not_affected`.
 * - Package criteria are resolved through their `rpminfo_test` → `rpminfo_object` name
 *   and `rpminfo_state` evr. Excerpts that lost their `<tests>` (like the shared data)
 *   fall back on the criterion comment, which Red Hat writes from the same values; this
 *   is reported once per document. When both are there and disagree, the test wins and
 *   the disagreement is reported.
 * - Release: the major version from "Red Hat Enterprise Linux 8 is installed" in an
 *   enclosing AND (an OR of platforms gives one row per RHEL platform; "Red Hat CoreOS 4"
 *   and other non-RHEL platforms are skipped and reported); else the definition's
 *   `<platform>`/CPE, else `options.release` (e.g. from the file name `rhel-7`). RHEL 7
 *   rows serve CentOS 7 hosts too. Channel is always null: OVAL v2 files are per major
 *   release stream.
 * - Module streams: "Module nodejs:18 is enabled" in an enclosing AND → `moduleStream`.
 * - Ignored: "… is signed with Red Hat redhatrelease2 key", "Red Hat Enterprise Linux must
 *   be installed". Architectures are not restricted (`arch: null`).
 */
import type { Advisory, AffectedPackage, AffectedStatus, FeedParseResult, ReferenceType } from '../../domain/advisory.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { ovalAdvisory } from '../shared/oval-advisory.js';
import {
  evaluateCriteria,
  readOval,
  readOvalStream,
  resolveRpmCriterion,
  Tally,
  type LeafClass,
  type OvalCriterion,
  type OvalDefinition,
  type OvalDocument,
  type OvalExtendDefinition,
} from '../shared/oval.js';
import { mapRhelFamilyCpe, redHatFixState } from '../shared/redhat.js';
import { RowSet } from '../shared/rows.js';
import { redHatSeverity } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { REDHAT_CRITERION as C } from './types.js';

const FEED = 'Red Hat OVAL';
export const REDHAT_OVAL_SOURCE = 'redhat-oval';
const DOCUMENT = 'document';

export interface RedHatOvalOptions {
  /** Release key to use when a definition names no RHEL release (e.g. `7` from `rhel-7.oval.xml`). */
  release?: string;
}

/** Parses a whole Red Hat OVAL document (text or UTF-8 bytes). */
export function parseRedHatOval(input: string | Uint8Array, options: RedHatOvalOptions = {}): FeedParseResult {
  return convertRedHatOval(readOval(input, FEED), options);
}

/** Same, reading the document from chunks (a decompression stream) without holding its text. */
export async function parseRedHatOvalStream(chunks: AsyncIterable<string | Uint8Array>, options: RedHatOvalOptions = {}): Promise<FeedParseResult> {
  return convertRedHatOval(await readOvalStream(chunks, FEED), options);
}

interface Ctx {
  /** RHEL major release, or null for another platform (CoreOS…). */
  release: string | null;
  module: string;
}

type Pkg =
  | { kind: 'fixed'; name: string; evr: string }
  | { kind: 'last_affected'; name: string; evr: string }
  | { kind: 'installed'; name: string }
  | { kind: 'not_installed'; name: string };

export function convertRedHatOval(doc: OvalDocument, options: RedHatOvalOptions = {}): FeedParseResult {
  const out = emptyResult();
  const advisories = new Map<string, { advisory: Advisory; rows: RowSet }>();
  const fromComments = { count: 0 };
  const otherPlatforms = new Tally();
  const skippedClasses = new Tally();

  for (const def of doc.definitions) {
    const label = def.id ?? `definitions[${def.index}]`;
    const cls = def.class ?? '';
    if (cls !== 'patch' && cls !== 'vulnerability') {
      skippedClasses.add(cls === '' ? '(none)' : cls);
      continue;
    }
    const id = advisoryIdOf(def);
    if (id === null) {
      addProblem(out, label, 'definition names no RHSA/RHBA/RHEA or CVE id; skipped');
      continue;
    }
    const problem = (m: string): void => {
      addProblem(out, id, m);
    };
    let entry = advisories.get(id);
    if (entry === undefined) {
      const advisory = ovalAdvisory(def, {
        id,
        source: REDHAT_OVAL_SOURCE,
        defaultScorer: 'secalert@redhat.com',
        severityOf: redHatSeverity,
        referenceType,
        problem,
      });
      entry = { advisory, rows: new RowSet() };
      advisories.set(id, entry);
    }
    if (def.criteria === null) {
      problem(`definition ${label} has no criteria; no packages`);
      continue;
    }
    const fallbackRelease = releaseOf(def) ?? options.release ?? null;
    const states = resolutionStates(def, problem);
    const unrecognized = new Tally();
    const rows = entry.rows;

    const classify = (n: OvalCriterion | OvalExtendDefinition): LeafClass<Ctx, Pkg> => {
      if (n.kind === 'extend_definition') {
        unrecognized.add(`extend_definition ${n.definitionRef ?? ''} (not followed)`);
        return { kind: 'ignore' };
      }
      const comment = n.comment ?? '';
      if (C.mustBeInstalled.test(comment)) return { kind: 'ignore' };
      let m = C.rhelInstalled.exec(comment);
      if (m) return { kind: 'context', ctx: { release: m[1]! } };
      m = C.moduleEnabled.exec(comment);
      if (m) return { kind: 'context', ctx: { module: m[1]! } };
      m = C.otherPlatform.exec(comment);
      if (m) {
        otherPlatforms.add(m[1]!);
        return { kind: 'context', ctx: { release: null } };
      }
      if (C.signed.test(comment)) return { kind: 'ignore' };
      const pkg = packageOf(doc, n, fromComments, problem);
      if (pkg === null) {
        unrecognized.add(`"${comment}"`);
        return { kind: 'ignore' };
      }
      return pkg === 'ignore' ? { kind: 'ignore' } : { kind: 'package', pkg };
    };

    const missing = { release: false };
    const found: { release: string; module: string | null; pkg: Pkg }[] = [];
    evaluateCriteria<Ctx, Pkg>(
      def.criteria,
      classify,
      (pkg, contexts) => {
        for (const ctx of contexts) {
          if (ctx.release === null) continue;
          const release = ctx.release ?? fallbackRelease;
          if (release === null) {
            missing.release = true;
            continue;
          }
          found.push({ release, module: ctx.module ?? null, pkg });
        }
      },
      (what) => {
        unrecognized.add(what);
      },
    );
    // "Unaffected components" definitions pair "X is installed" with "X is not installed":
    // the package is not affected, the existence check only scopes it.
    const key = (f: (typeof found)[number]): string => `${f.release}\u0000${f.module ?? ''}\u0000${f.pkg.name}`;
    const notInstalled = new Set(found.filter((f) => f.pkg.kind === 'not_installed').map(key));
    for (const f of found) {
      if (f.pkg.kind === 'installed' && notInstalled.has(key(f))) continue;
      rows.add(rowOf(id, f.release, f.module, f.pkg, states, cls));
    }
    if (missing.release) problem(`definition ${label}: packages under no RHEL release (no platform criterion, <platform> or CPE); skipped`);
    unrecognized.report(out, id, 'criteria not understood (ignored)');
  }

  for (const { advisory, rows } of advisories.values()) {
    out.advisories.push(advisory);
    for (const p of rows.rows()) {
      out.affected.push(p);
      reportInvalidVersions(out, advisory.id, p);
    }
    if (rows.conflicts.length > 0) {
      addProblem(out, advisory.id, `package listed with several fixed versions in one release; the highest is kept: ${rows.conflicts.join('; ')}`);
    }
  }
  if (fromComments.count > 0) {
    addProblem(
      out,
      DOCUMENT,
      `${fromComments.count} package criteria refer to tests that are not in the document (an excerpt without <tests>/<objects>/<states>?); their package names and versions were read from the criterion comments`,
    );
  }
  otherPlatforms.report(out, DOCUMENT, 'rows skipped for platforms that are not RHEL releases (criteria count)');
  skippedClasses.report(out, DOCUMENT, 'definitions skipped for their class (neither patch nor vulnerability)');
  return out;
}

/** RHSA/RHBA/RHEA from the references or title; CVE for vulnerability definitions. */
function advisoryIdOf(def: OvalDefinition): string | null {
  const erratum = /^RH[SBE]A-\d{4}:\d+$/;
  for (const r of def.references) if (r.refId !== null && erratum.test(r.refId)) return r.refId;
  const t = def.title === null ? null : /^(RH[SBE]A-\d{4}:\d+)\b/.exec(def.title);
  if (t) return t[1]!;
  // oval:com.redhat.rhba:def:20070026 → RHBA-2007:0026 (old definitions carry a placeholder RHSA-0000-0000).
  const d = def.id === null ? null : /^oval:com\.redhat\.(rhsa|rhba|rhea):def:(\d{4})(\d{4,})$/.exec(def.id);
  if (d) return `${d[1]!.toUpperCase()}-${d[2]!}:${d[3]!}`;
  for (const r of def.references) if (r.source === 'CVE' && r.refId !== null && /^CVE-\d{4}-\d{4,}$/.test(r.refId)) return r.refId;
  const c = def.title === null ? null : /\b(CVE-\d{4}-\d{4,})\b/.exec(def.title);
  return c ? c[1]! : null;
}

function referenceType(source: string | null): ReferenceType {
  return source === 'RHSA' ? 'ADVISORY' : 'WEB';
}

/** The RHEL major release of the definition's `<platform>` or affected CPEs, when there is exactly one. */
function releaseOf(def: OvalDefinition): string | null {
  const found = new Set<string>();
  for (const p of def.platforms) {
    const m = /^Red Hat Enterprise Linux (\d+)\b/.exec(p);
    if (m) found.add(m[1]!);
  }
  if (found.size === 0) {
    for (const cpe of def.advisory?.cpes ?? []) {
      const t = mapRhelFamilyCpe(cpe);
      if (t !== null && t.distro === 'rhel' && t.channel === null) found.add(t.release);
    }
  }
  return found.size === 1 ? [...found][0]! : null;
}

function resolutionStates(def: OvalDefinition, problem: (m: string) => void): Map<string, { status: AffectedStatus; state: string }> {
  const out = new Map<string, { status: AffectedStatus; state: string }>();
  for (const r of def.advisory?.resolutions ?? []) {
    const status = redHatFixState(r.state);
    if (status === null) {
      problem(`unknown resolution state "${r.state}" for ${r.components.join(', ')}; taken as affected`);
    }
    for (const c of r.components) out.set(c, { status: status ?? 'affected', state: r.state });
  }
  return out;
}

/**
 * The package check of a criterion, from its rpminfo test (or its comment when the test is
 * missing); 'ignore' for a signature check; null when neither says anything we understand.
 */
function packageOf(doc: OvalDocument, n: OvalCriterion, fromComments: { count: number }, problem: (m: string) => void): Pkg | 'ignore' | null {
  const comment = n.comment ?? '';
  const fromComment = commentPackage(comment);
  const r = resolveRpmCriterion(doc, n);
  if (!r.ok) {
    if (r.why === 'missing') {
      if (fromComment !== null) fromComments.count++;
    } else {
      problem(`criterion "${comment}": ${r.message}; ${fromComment === null ? 'ignored' : 'read from the comment'}`);
    }
    return fromComment;
  }
  const check = r.check;
  let pkg: Pkg;
  switch (check.kind) {
    case 'signature':
      return 'ignore';
    case 'exists':
      pkg = { kind: check.exists ? 'installed' : 'not_installed', name: check.name };
      break;
    case 'evr':
      if (check.operation === 'less than') pkg = { kind: 'fixed', name: check.name, evr: check.evr };
      else if (check.operation === 'less than or equal') pkg = { kind: 'last_affected', name: check.name, evr: check.evr };
      else {
        problem(`criterion "${comment}": evr operation "${check.operation}" is not a version bound; ${fromComment === null ? 'ignored' : 'read from the comment'}`);
        return fromComment;
      }
      break;
    case 'version':
      problem(`criterion "${comment}": a version (not evr) comparison; ${fromComment === null ? 'ignored' : 'read from the comment'}`);
      return fromComment;
  }
  if (fromComment !== null && JSON.stringify(fromComment) !== JSON.stringify(pkg)) {
    problem(`criterion comment "${comment}" disagrees with its test (${describe(pkg)}); the test is used`);
  }
  return pkg;
}

function describe(p: Pkg): string {
  return 'evr' in p ? `${p.name} ${p.kind} ${p.evr}` : `${p.name} ${p.kind}`;
}

function commentPackage(comment: string): Pkg | null {
  let m = C.earlierThan.exec(comment);
  if (m) return { kind: 'fixed', name: m[1]!, evr: m[2]! };
  m = C.notInstalled.exec(comment);
  if (m) return { kind: 'not_installed', name: m[1]! };
  m = C.installed.exec(comment);
  if (m) return { kind: 'installed', name: m[1]! };
  return null;
}

function rowOf(
  advisoryId: string,
  release: string,
  moduleStream: string | null,
  pkg: Pkg,
  states: Map<string, { status: AffectedStatus; state: string }>,
  cls: string,
): AffectedPackage {
  let status: AffectedStatus;
  let ranges: AffectedPackage['ranges'];
  let note: string | null = null;
  switch (pkg.kind) {
    case 'fixed':
      status = 'fixed';
      ranges = [{ introduced: '0', fixed: pkg.evr }];
      break;
    case 'last_affected':
      status = 'affected';
      ranges = [{ introduced: '0', lastAffected: pkg.evr }];
      break;
    case 'installed': {
      const s = states.get(pkg.name);
      status = s?.status ?? 'affected';
      note = s?.state ?? (cls === 'patch' ? 'installed check in a patch definition' : null);
      ranges = status === 'not_affected' ? [] : [{ introduced: '0' }];
      break;
    }
    case 'not_installed':
      status = 'not_affected';
      ranges = [];
      break;
  }
  return {
    source: REDHAT_OVAL_SOURCE,
    advisoryId,
    distro: 'rhel',
    release,
    channel: null,
    packageName: pkg.name,
    binaryNames: null,
    moduleStream,
    arch: null,
    scheme: 'rpm',
    ranges,
    versions: [],
    status,
    severity: null,
    note,
  };
}
