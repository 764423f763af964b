/**
 * Red Hat Security Data API per-CVE JSON (and the hydra API, same shape) → one advisory per
 * CVE (source `redhat-securitydata`, id = the CVE) and one row per (source package, product
 * stream). Pure.
 *
 * - `affected_release[]`: a fix. `package` is the *source* NEVR with the epoch after the
 *   name (`vim-2:7.4.160-6.el7_6` → `vim`, fixed `2:7.4.160-6.el7_6`); `cpe` gives (distro,
 *   release, channel) through `mapRhelFamilyCpe` (`../shared/redhat.ts`). Status `fixed`,
 *   range `introduced: '0'`, `fixed: EVR`. Module errata name a module build
 *   (`postgresql:13-8090020231114113548.a75119d5`) instead of an RPM: skipped and reported.
 * - `package_state[]`: no fix; `fix_state` → status with `redHatFixState` (Out of support
 *   scope → `end_of_life`, Not affected → `not_affected` with no range, the others with
 *   `introduced: '0'`). `module:stream/component` names give the module stream; container
 *   images (`rhel8/…`) and flatpaks (`firefox:flatpak/firefox`) are not RPMs: skipped, reported.
 * - Rows name SOURCE packages. The model has no field for that yet, so `binaryNames` is
 *   null and `note` is `source package; <erratum or fix state>` (`SOURCE_PACKAGE_NOTE`,
 *   `isSourcePackageRow`): matching maps installed binaries to their source RPM.
 * - One stream listed with several fixes (successive errata, or the `cpe:/a` and `cpe:/o`
 *   variants of RHEL 9) keeps the *first* fix: a host that has it has the fix. Reported.
 * - Advisory: `bugzilla.description` as title; `details`, `statement` and `mitigation` as
 *   description; `threat_severity` (else the highest CVSS); `cvss3`/`cvss` scores as stated;
 *   the errata as related ids and references.
 */
import type { Advisory, AffectedPackage, AffectedStatus, CvssScore, FeedParseResult, Reference, VendorSeverity } from '../../domain/advisory.js';
import { addCvss, statedCvss } from '../shared/cvss-stated.js';
import { CVE_ID, IdSet } from '../shared/ids.js';
import { invalidDocument, isObject, parseJsonDocument, str, strArray, typeName, type JsonObject } from '../shared/json.js';
import { Tally } from '../shared/oval.js';
import { mapRhelFamilyCpe, redHatFixState, sourcePackageNote, splitNevr } from '../shared/redhat.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { RowSet } from '../shared/rows.js';
import { redHatSeverity, severityFromCvss } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';

const FEED = 'Red Hat Security Data API';
export const REDHAT_SECURITYDATA_SOURCE = 'redhat-securitydata';
const SCORER = 'secalert@redhat.com';

/** Parses one CVE document, or an array of them. */
export function parseRedHatSecurityData(input: string | Uint8Array): FeedParseResult {
  return parseRedHatSecurityDataValue(parseJsonDocument(input, FEED));
}

export function parseRedHatSecurityDataValue(doc: unknown): FeedParseResult {
  const out = emptyResult();
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) appendRedHatCve(out, doc[i], `[${i}]`);
    return out;
  }
  if (!isObject(doc)) throw invalidDocument(FEED, `expected a CVE object or an array of them, got ${typeName(doc)}`);
  if (!('name' in doc) && !('affected_release' in doc) && !('package_state' in doc)) {
    throw invalidDocument(FEED, 'the object has none of the fields name, affected_release, package_state');
  }
  appendRedHatCve(out, doc, 'document');
  return out;
}

/** Module build instead of an RPM: `name:stream-version.context`. */
const MODULE_NSVC = /^[^\s:/]+:[^\s-]+-\d+\.[0-9a-f]+$/;

export function appendRedHatCve(out: FeedParseResult, rec: unknown, label: string): void {
  if (!isObject(rec)) {
    addProblem(out, label, `record is ${typeName(rec)}, not an object`);
    return;
  }
  const id = str(rec.name);
  if (id === null || !CVE_ID.test(id)) {
    addProblem(out, label, `record has no CVE id in "name" (${JSON.stringify(rec.name ?? null)}); skipped`);
    return;
  }
  const problem = (m: string): void => {
    addProblem(out, id, m);
  };
  const rows = new RowSet('lowest');
  const notMapped = new Tally();
  const notRpm = new Tally();
  const errata = new IdSet(id);

  const releases = listOf(rec.affected_release, 'affected_release', problem);
  for (let i = 0; i < releases.length; i++) {
    const r = releases[i]!;
    const where = `affected_release[${i}]`;
    const pkg = str(r.package);
    const cpe = str(r.cpe);
    const advisory = str(r.advisory);
    if (advisory !== null) errata.add(advisory);
    if (pkg === null || cpe === null) {
      problem(`${where} (${str(r.product_name) ?? '?'}) has no package or cpe; skipped`);
      continue;
    }
    const target = mapRhelFamilyCpe(cpe);
    if (target === null) {
      notMapped.add(cpe);
      continue;
    }
    if (MODULE_NSVC.test(pkg)) {
      notRpm.add(`module build ${pkg}`);
      continue;
    }
    const nevr = splitNevr(pkg);
    if (nevr === null) {
      problem(`${where}: package "${pkg}" is not a name-[epoch:]version-release; skipped`);
      continue;
    }
    rows.add(row(id, target, nevr.name, null, 'fixed', [{ introduced: '0', fixed: nevr.evr }], sourcePackageNote(advisory)));
  }

  const states = listOf(rec.package_state, 'package_state', problem);
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    const where = `package_state[${i}]`;
    const name = str(s.package_name);
    const cpe = str(s.cpe);
    const fixState = str(s.fix_state);
    if (name === null || cpe === null || fixState === null) {
      problem(`${where} (${str(s.product_name) ?? '?'}) has no package_name, cpe or fix_state; skipped`);
      continue;
    }
    const status = redHatFixState(fixState);
    if (status === null) {
      problem(`${where}: unknown fix_state "${fixState}" for ${name}; skipped`);
      continue;
    }
    const target = mapRhelFamilyCpe(cpe);
    if (target === null) {
      notMapped.add(cpe);
      continue;
    }
    const component = componentOf(name);
    if (component === null) {
      notRpm.add(name);
      continue;
    }
    const ranges = status === 'not_affected' ? [] : [{ introduced: '0' }];
    rows.add(row(id, target, component.name, component.module, status, ranges, sourcePackageNote(fixState)));
  }

  const cvss: CvssScore[] = [];
  if (isObject(rec.cvss3)) {
    const vector = str(rec.cvss3.cvss3_scoring_vector);
    if (vector !== null) addCvss(cvss, statedCvss(vector, scoreOf(rec.cvss3.cvss3_base_score), SCORER, '3', 'cvss3', problem));
  }
  if (isObject(rec.cvss)) {
    const vector = str(rec.cvss.cvss_scoring_vector);
    if (vector !== null) addCvss(cvss, statedCvss(vector, scoreOf(rec.cvss.cvss_base_score), SCORER, '2', 'cvss', problem));
  }

  let severity: VendorSeverity | null = null;
  const severityLabel = str(rec.threat_severity);
  if (severityLabel !== null) {
    const n = redHatSeverity(severityLabel);
    if (n === null) problem(`unknown threat_severity "${severityLabel}"`);
    else severity = { vendor: severityLabel, normalized: n };
  }
  severity ??= { vendor: null, normalized: severityFromCvss(cvss) };

  const bugzilla = isObject(rec.bugzilla) ? rec.bugzilla : null;
  const references: Reference[] = [];
  const addRef = (url: string | null, type: Reference['type']): void => {
    if (url !== null && url !== '' && !references.some((r) => r.url === url)) references.push({ url, type });
  };
  addRef(`https://access.redhat.com/security/cve/${id}`, 'ADVISORY');
  for (const e of errata.others) addRef(`https://access.redhat.com/errata/${e}`, 'ADVISORY');
  if (bugzilla !== null) addRef(str(bugzilla.url), 'REPORT');
  for (const r of strArray(rec.references)) for (const url of r.split(/\s+/)) if (/^https?:\/\//.test(url)) addRef(url, 'WEB');

  const advisory: Advisory = {
    id,
    source: REDHAT_SECURITYDATA_SOURCE,
    cves: [id],
    relatedIds: errata.others,
    title: bugzilla === null ? null : str(bugzilla.description),
    description: descriptionOf(rec),
    severity,
    cvss,
    published: str(rec.public_date),
    modified: null,
    withdrawn: null,
    references,
  };
  out.advisories.push(advisory);
  for (const p of rows.rows()) {
    out.affected.push(p);
    reportInvalidVersions(out, id, p);
  }
  if (rows.conflicts.length > 0) {
    problem(`one stream lists several fixes (successive errata or cpe:/a and cpe:/o variants); the first fix is kept: ${rows.conflicts.join('; ')}`);
  }
  notMapped.report(out, id, 'rows skipped for products that are not RHEL releases');
  notRpm.report(out, id, 'rows skipped for packages that are not RPMs (module builds, container images, flatpaks)');
}

function listOf(v: unknown, what: string, problem: (m: string) => void): JsonObject[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problem(`${what} is ${typeName(v)}, not an array; ignored`);
    return [];
  }
  const out: JsonObject[] = [];
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (isObject(x)) out.push(x);
    else problem(`${what}[${i}] is ${typeName(x)}, not an object; ignored`);
  }
  return out;
}

/** `vim` → vim; `postgresql:13/postgresql` → postgresql in module postgresql:13; null for images and flatpaks. */
function componentOf(name: string): { name: string; module: string | null } | null {
    const m = /^([^:/\s]+):([^/\s]+)\/([^/\s]+)$/.exec(name);
  if (m) return m[2] === 'flatpak' ? null : { name: m[3]!, module: `${m[1]!}:${m[2]!}` };
  return /^[^:/\s]+$/.test(name) ? { name, module: null } : null;
}

function scoreOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function descriptionOf(rec: JsonObject): string | null {
  const parts: string[] = [];
  if (typeof rec.details === 'string' && rec.details.trim() !== '') parts.push(rec.details.trim());
  else for (const d of strArray(rec.details)) parts.push(d.trim());
  const statement = str(rec.statement);
  if (statement !== null) parts.push(`Statement: ${statement.trim()}`);
  const mitigation = typeof rec.mitigation === 'string' ? str(rec.mitigation) : isObject(rec.mitigation) ? str(rec.mitigation.value) : null;
  if (mitigation !== null) parts.push(`Mitigation: ${mitigation.trim()}`);
  return parts.length === 0 ? null : parts.join('\n\n');
}

function row(
  advisoryId: string,
  target: { distro: AffectedPackage['distro']; release: string; channel: string | null },
  packageName: string,
  moduleStream: string | null,
  status: AffectedStatus,
  ranges: AffectedPackage['ranges'],
  note: string,
): AffectedPackage {
  return {
    source: REDHAT_SECURITYDATA_SOURCE,
    advisoryId,
    distro: target.distro,
    release: target.release,
    channel: target.channel,
    packageName,
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
