/**
 * SUSE OVAL → one advisory per definition (source `suse-oval`; id = the CVE of a
 * `vulnerability` definition, the SUSE-SU id of a `patch` definition) and one row per
 * (product, binary package). Pure; the XML is read as a stream (`../shared/oval.ts`,
 * DTDs refused).
 *
 * - Products: "<product> is installed" criteria (a name with spaces) map through
 *   `mapSuseProduct` (`../shared/suse-products.ts`): SUSE Linux Enterprise Server 15 SP1-LTSS
 *   → sles `15.1` channel `ltss`; Module for Basesystem 15 → sles `15` `module-basesystem`;
 *   openSUSE Leap 15.5 → opensuse-leap `15.5`. An OR of products gives a row per product;
 *   products that are not OS releases (SUSE Linux Enterprise Storage, SUSE Manager) are
 *   skipped and reported.
 * - Packages: "kernel-default-4.12.14-150.72.1 is installed" resolves through its
 *   `rpminfo_test` to an `evr` "less than" state → `fixed` (`introduced: '0'`, `fixed: EVR`);
 *   "kernel-default is not affected" (a `version` equals `0` state) → `not_affected`.
 *   Criteria whose test is missing (truncated excerpts) or whose state SUSE wrote with an
 *   operation we do not know are read from the comment (name-version-release), reported.
 * - Arch restrictions of the states (`(aarch64|ppc64le|s390x|x86_64)`) are not kept: `arch` null.
 */
import type { Advisory, AffectedPackage, AffectedStatus, FeedParseResult, ReferenceType } from '../../domain/advisory.js';
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
import { addProblem, emptyResult } from '../shared/result.js';
import { RowSet } from '../shared/rows.js';
import { genericSeverity } from '../shared/severity.js';
import { mapSuseProduct, type SuseTarget } from '../shared/suse-products.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { SUSE_CRITERION as C } from './types.js';

const FEED = 'SUSE OVAL';
export const SUSE_OVAL_SOURCE = 'suse-oval';
const DOCUMENT = 'document';

export function parseSuseOval(input: string | Uint8Array): FeedParseResult {
  return convertSuseOval(readOval(input, FEED));
}

export async function parseSuseOvalStream(chunks: AsyncIterable<string | Uint8Array>): Promise<FeedParseResult> {
  return convertSuseOval(await readOvalStream(chunks, FEED));
}

interface Ctx {
  /** Null: a product we do not key (its rows are skipped). */
  target: SuseTarget | null;
}

type Pkg = { kind: 'fixed'; name: string; evr: string } | { kind: 'not_affected'; name: string } | { kind: 'affected'; name: string };

export function convertSuseOval(doc: OvalDocument): FeedParseResult {
  const out = emptyResult();
  const advisories = new Map<string, { advisory: Advisory; rows: RowSet }>();
  const notOs = new Tally();
  const fromComments = new Tally();
  const skippedClasses = new Tally();

  for (const def of doc.definitions) {
    const label = def.id ?? `definitions[${def.index}]`;
    const cls = def.class ?? '';
    if (cls !== 'vulnerability' && cls !== 'patch') {
      skippedClasses.add(cls === '' ? '(none)' : cls);
      continue;
    }
    const id = advisoryIdOf(def);
    if (id === null) {
      addProblem(out, label, 'definition names no CVE or SUSE advisory id; skipped');
      continue;
    }
    const problem = (m: string): void => {
      addProblem(out, id, m);
    };
    let entry = advisories.get(id);
    if (entry === undefined) {
      entry = {
        advisory: ovalAdvisory(def, { id, source: SUSE_OVAL_SOURCE, defaultScorer: 'security@suse.de', severityOf: genericSeverity, referenceType, problem }),
        rows: new RowSet('highest'),
      };
      advisories.set(id, entry);
    }
    if (def.criteria === null) {
      problem(`definition ${label} has no criteria; no packages`);
      continue;
    }
    const rows = entry.rows;
    const unrecognized = new Tally();
    const classify = (n: OvalCriterion | OvalExtendDefinition): LeafClass<Ctx, Pkg> => {
      if (n.kind === 'extend_definition') {
        unrecognized.add(`extend_definition ${n.definitionRef ?? ''} (not followed)`);
        return { kind: 'ignore' };
      }
      const comment = n.comment ?? '';
      const product = C.product.exec(comment);
      if (product) {
        const target = mapSuseProduct(product[1]!);
        if (target === null) notOs.add(product[1]!);
        return { kind: 'context', ctx: { target } };
      }
      if (C.signed.test(comment)) return { kind: 'ignore' };
      const pkg = packageOf(doc, n, fromComments, problem);
      if (pkg === null) {
        unrecognized.add(`"${comment}"`);
        return { kind: 'ignore' };
      }
      return { kind: 'package', pkg };
    };
    const missing = { product: false };
    evaluateCriteria<Ctx, Pkg>(
      def.criteria,
      classify,
      (pkg, contexts) => {
        for (const ctx of contexts) {
          if (ctx.target === undefined) {
            missing.product = true;
            continue;
          }
          if (ctx.target === null) continue;
          rows.add(rowOf(id, ctx.target, pkg));
        }
      },
      (what) => {
        unrecognized.add(what);
      },
    );
    if (missing.product) problem(`definition ${label}: package criteria under no product criterion; skipped`);
    unrecognized.report(out, id, 'criteria not understood (ignored)');
  }

  for (const { advisory, rows } of advisories.values()) {
    out.advisories.push(advisory);
    for (const p of rows.rows()) {
      out.affected.push(p);
      reportInvalidVersions(out, advisory.id, p);
    }
    if (rows.conflicts.length > 0) addProblem(out, advisory.id, `several fixed versions for one product; the highest is kept: ${rows.conflicts.join('; ')}`);
  }
  fromComments.report(out, DOCUMENT, 'package criteria read from their comment (count)');
  notOs.report(out, DOCUMENT, 'rows skipped for products that are not OS releases (criteria count)');
  skippedClasses.report(out, DOCUMENT, 'definitions skipped for their class (neither vulnerability nor patch)');
  return out;
}

function advisoryIdOf(def: OvalDefinition): string | null {
  const t = def.title === null ? null : /^(CVE-\d{4}-\d{4,}|(?:open)?SUSE-[A-Z]+-\d{4}:\d+-\d+)\b/.exec(def.title);
  if (t) return t[1]!;
  for (const r of def.references) {
    if (r.refId !== null && /^(?:open)?SUSE-[A-Z]+-\d{4}:\d+-\d+$/.test(r.refId)) return r.refId;
  }
  return null;
}

function referenceType(source: string | null): ReferenceType {
  return source === 'SUSE-SU' || source === 'SUSE CVE' ? 'ADVISORY' : 'WEB';
}

/** The package check of a criterion: from its rpminfo test, else from its comment (reported). */
function packageOf(doc: OvalDocument, n: OvalCriterion, fromComments: Tally, problem: (m: string) => void): Pkg | null {
  const comment = n.comment ?? '';
  const r = resolveRpmCriterion(doc, n);
  if (r.ok) {
    const c = r.check;
    if (c.kind === 'evr' && c.operation === 'less than') return { kind: 'fixed', name: c.name, evr: c.evr };
    if (c.kind === 'version' && c.operation === 'equals' && c.value === '0') return { kind: 'not_affected', name: c.name };
    if (c.kind === 'exists' && c.exists) return { kind: 'affected', name: c.name };
    const fallback = commentPackage(comment);
    const what = c.kind === 'evr' || c.kind === 'version' ? `${c.kind} operation "${c.operation}"` : c.kind;
    if (fallback !== null) fromComments.add(`test with ${what}`);
    else problem(`criterion "${comment}": its test checks ${what}; ignored`);
    return fallback;
  }
  const fallback = commentPackage(comment);
  if (fallback !== null) fromComments.add(r.why === 'missing' ? 'test not in the document' : r.message);
  else if (r.why !== 'missing') problem(`criterion "${comment}": ${r.message}; ignored`);
  return fallback;
}

function commentPackage(comment: string): Pkg | null {
  let m = C.notAffected.exec(comment);
  if (m) return { kind: 'not_affected', name: m[1]! };
  m = C.affected.exec(comment);
  if (m) return { kind: 'affected', name: m[1]! };
  m = C.installedNvr.exec(comment);
  if (m) return { kind: 'fixed', name: m[1]!, evr: `${m[2]!}-${m[3]!}` };
  return null;
}

function rowOf(advisoryId: string, t: SuseTarget, pkg: Pkg): AffectedPackage {
  let status: AffectedStatus;
  let ranges: AffectedPackage['ranges'];
  switch (pkg.kind) {
    case 'fixed':
      status = 'fixed';
      ranges = [{ introduced: '0', fixed: pkg.evr }];
      break;
    case 'not_affected':
      status = 'not_affected';
      ranges = [];
      break;
    case 'affected':
      status = 'affected';
      ranges = [{ introduced: '0' }];
      break;
  }
  return {
    source: SUSE_OVAL_SOURCE,
    advisoryId,
    distro: t.distro,
    release: t.release,
    channel: t.channel,
    packageName: pkg.name,
    binaryNames: null,
    moduleStream: null,
    arch: null,
    scheme: 'rpm',
    ranges,
    versions: [],
    status,
    severity: null,
    note: null,
  };
}
