/**
 * CSAF 2.0 security advisories and CSAF VEX documents of Red Hat and of CIQ (Rocky Linux)
 * → one advisory per document and affected binary RPMs per product stream. Pure.
 *
 * Sources: `redhat-csaf` (RHSA), `redhat-vex` (per CVE), `rocky-csaf` (CIQ's CRLSA),
 * `rocky-vex` (CIQ's per-CVE VEX); the publisher's namespace tells which.
 *
 * Products: a status names product ids such as `AppStream-8.6.0.Z.AUS:git-lfs-0:2.13.3-3.el8_6.1.x86_64`,
 * which `product_tree.relationships` resolve into a product stream (a branch with a CPE)
 * and a package (a branch with an RPM purl, or CIQ's bare NEVRA name). Relationships nest
 * for module builds (package → module `pkg:rpmmod/redhat/python39@3.9:…` → stream), and
 * Red Hat's older module advisories put the stream in the purl (`rpmmod=ruby:2.7`) and the
 * name (`… (ruby:2.7)`). The CPE maps to (distro, release, channel) with `mapRhelFamilyCpe`
 * (`../shared/redhat.ts`: `enterprise_linux:8::appstream` → rhel 8; `rhel_eus:8.6` → `eus:8.6`;
 * `rocky_linux_from_ciq_lts:9.2` → rocky 9 `ciq-lts:9.2`); other products (Satellite,
 * JBoss, OpenShift, CIQ Bridge for CentOS) are skipped and reported. Source RPMs (`.src`)
 * are skipped without report: the binary rows carry the fix.
 *
 * Statuses (per vulnerability and product):
 *
 * | CSAF                                                          | status                  |
 * |---------------------------------------------------------------|-------------------------|
 * | `fixed`, `first_fixed`; a `vendor_fix` remediation            | `fixed` (< the package's EVR); `note` = the erratum (VEX) |
 * | `known_affected`, `first_affected`, `last_affected`           | `affected`              |
 * |   + remediation `no_fix_planned` "Will not fix"               | `will_not_fix`          |
 * |   + remediation `no_fix_planned` / `none_available` "Out of support scope" | `end_of_life` |
 * |   + remediation `none_available` "Deferred"/"Fix deferred"    | `fix_deferred`          |
 * | `known_not_affected`                                          | `not_affected`; `note` = the flag (`vulnerable_code_not_present`) |
 * | `under_investigation`                                         | `under_investigation`   |
 *
 * A product named only by a remediation (no `product_status`) takes the remediation's
 * status, reported. `threats[]` `impact` gives the vendor severity (per row when products
 * differ), `scores[]` the CVSS scores as stated. Rows of one package and stream that differ
 * only by architecture collapse to `arch: null`; several fixed builds for one stream key the
 * highest (reported).
 */
import type { Advisory, AffectedPackage, AffectedStatus, CvssScore, FeedParseResult, Reference, VendorSeverity } from '../../domain/advisory.js';
import { parseNevra } from '../../versioning/index.js';
import { addCvss, statedCvss } from '../shared/cvss-stated.js';
import { CVE_ID, IdSet } from '../shared/ids.js';
import { invalidDocument, isObject, parseJsonDocument, str, strArray, typeName, type JsonObject } from '../shared/json.js';
import { Tally } from '../shared/oval.js';
import { parsePurl } from '../shared/purl.js';
import { moduleStreamsOf } from '../osv/parse.js';
import { MODULE_BUILD, mapRhelFamilyCpe, sourcePackageNote, type RhelFamilyTarget } from '../shared/redhat.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { RowSet } from '../shared/rows.js';
import { redHatSeverity, severityFromCvss, severityRank } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';

const FEED = 'CSAF';

export const CSAF_SOURCES = {
  redhat: { advisory: 'redhat-csaf', vex: 'redhat-vex' },
  rocky: { advisory: 'rocky-csaf', vex: 'rocky-vex' },
} as const;

/** Parses one CSAF document (advisory or VEX). */
export function parseCsaf(input: string | Uint8Array): FeedParseResult {
  return parseCsafValue(parseJsonDocument(input, FEED));
}

export function parseCsafValue(doc: unknown): FeedParseResult {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected a CSAF document object, got ${typeName(doc)}`);
  const d = isObject(doc.document) ? doc.document : null;
  if (d === null) throw invalidDocument(FEED, 'no "document" object: not a CSAF document');
  const category = str(d.category);
  if (category !== 'csaf_security_advisory' && category !== 'csaf_vex') {
    throw invalidDocument(FEED, `document.category is ${JSON.stringify(d.category ?? null)}; only csaf_security_advisory and csaf_vex are read`);
  }
  const tracking = isObject(d.tracking) ? d.tracking : null;
  const id = tracking === null ? null : str(tracking.id);
  if (id === null) throw invalidDocument(FEED, 'document.tracking.id is missing');
  const publisher = isObject(d.publisher) ? d.publisher : null;
  const namespace = publisher === null ? '' : `${str(publisher.namespace) ?? ''} ${str(publisher.name) ?? ''}`;
  const vendor = /redhat\.com|Red Hat/i.test(namespace) ? 'redhat' : /ciq\.com|Ctrl IQ/i.test(namespace) ? 'rocky' : null;
  if (vendor === null) throw invalidDocument(FEED, `unsupported publisher "${namespace.trim()}" (Red Hat and CIQ are read)`);
  const source = CSAF_SOURCES[vendor][category === 'csaf_vex' ? 'vex' : 'advisory'];
  const scorer = (publisher === null ? null : str(publisher.name)) ?? vendor;
  return convert(doc, d, id, source, scorer, category === 'csaf_vex');
}

// --- products ---------------------------------------------------------------------------

interface Pkg {
  name: string;
  /** `[epoch:]version-release`, null for a component named without version (VEX). */
  evr: string | null;
  arch: string | null;
}

interface Resolved {
  cpe: string | null;
  pkg: Pkg | null;
  module: string | null;
  /** A product that is not an RPM (container image, other purl type). */
  other: string | null;
  /** The product name the CPE was derived from, when the product had no CPE. */
  cpeFromName: string | null;
}

const EMPTY: Resolved = { cpe: null, pkg: null, module: null, other: null, cpeFromName: null };

class ProductIndex {
  private readonly products = new Map<string, JsonObject>();
  private readonly relations = new Map<string, { ref: string; to: string }>();
  private readonly memo = new Map<string, Resolved | null>();

  constructor(tree: JsonObject | null) {
    if (tree === null) return;
    const walk = (branches: unknown, depth: number): void => {
      if (!Array.isArray(branches) || depth > 32) return;
      for (const b of branches) {
        if (!isObject(b)) continue;
        this.addProduct(b.product);
        walk(b.branches, depth + 1);
      }
    };
    walk(tree.branches, 0);
    if (Array.isArray(tree.full_product_names)) for (const p of tree.full_product_names) this.addProduct(p);
    if (Array.isArray(tree.relationships)) {
      for (const r of tree.relationships) {
        if (!isObject(r) || !isObject(r.full_product_name)) continue;
        const pid = str(r.full_product_name.product_id);
        const ref = str(r.product_reference);
        const to = str(r.relates_to_product_reference);
        if (pid !== null && ref !== null && to !== null) this.relations.set(pid, { ref, to });
      }
    }
  }

  private addProduct(p: unknown): void {
    if (!isObject(p)) return;
    const pid = str(p.product_id);
    if (pid !== null && !this.products.has(pid)) this.products.set(pid, p);
  }

  resolve(pid: string): Resolved | null {
    if (this.memo.has(pid)) return this.memo.get(pid) ?? null;
    this.memo.set(pid, null); // cycle guard
    let r: Resolved | null = null;
    const rel = this.relations.get(pid);
    if (rel !== undefined) {
      const a = this.resolve(rel.ref) ?? EMPTY;
      const b = this.resolve(rel.to) ?? EMPTY;
      r = {
        cpe: b.cpe ?? a.cpe,
        pkg: a.pkg ?? b.pkg,
        module: a.module ?? b.module,
        other: a.other ?? b.other,
        cpeFromName: b.cpeFromName ?? a.cpeFromName,
      };
    } else {
      const p = this.products.get(pid);
      if (p !== undefined) r = baseOf(p);
    }
    this.memo.set(pid, r);
    return r;
  }
}

const COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/**
 * CIQ product names → the CPE CIQ writes for them elsewhere, for the product branches
 * that come without one (`Rocky Linux 9.8 from CIQ`).
 */
const CIQ_PRODUCT_NAMES: readonly (readonly [RegExp, string])[] = [
  [/^Rocky Linux from CIQ (\d+(?:\.\d+)?)$/, 'rocky_linux_from_ciq'],
  [/^Rocky Linux (\d+(?:\.\d+)?) from CIQ$/, 'rocky_linux_from_ciq'],
  [/^CIQ LTS for Rocky Linux (\d+(?:\.\d+)?)$/, 'rocky_linux_from_ciq_lts'],
  [/^CIQ Bridge for CentOS (\d+(?:\.\d+)?)$/, 'centos_linux_bridge'],
];

function ciqCpeOfName(name: string): string | null {
  for (const [re, product] of CIQ_PRODUCT_NAMES) {
    const m = re.exec(name);
    if (m) return `cpe:2.3:o:ciq:${product}:${m[1]!}:*:*:*:*:*:*:*`;
  }
  return null;
}

function baseOf(p: JsonObject): Resolved {
  const helper = isObject(p.product_identification_helper) ? p.product_identification_helper : null;
  const cpe = helper === null ? null : str(helper.cpe);
  if (cpe !== null) return { ...EMPTY, cpe };
  const byName = helper === null ? ciqCpeOfName(str(p.name) ?? '') : null;
  if (byName !== null) return { ...EMPTY, cpe: byName, cpeFromName: str(p.name) };
  const purlText = helper === null ? null : str(helper.purl);
  const purl = purlText === null ? null : parsePurl(purlText);
  if (purlText !== null && purl === null) return { ...EMPTY, other: purlText };
  if (purl !== null && purl.type === 'rpmmod') {
    const stream = (purl.version ?? '').split(':')[0] ?? '';
    return { ...EMPTY, module: stream === '' ? purl.name : `${purl.name}:${stream}` };
  }
  if (purl !== null && purl.type !== 'rpm') return { ...EMPTY, other: purlText };

  let name = str(p.name) ?? '';
  // `rpmmod=ruby:2.7:8080020230427102918:63b34585` (name:stream:version:context) → `ruby:2.7`.
  const rpmmod = purl?.qualifiers.rpmmod;
  let module = rpmmod === undefined ? null : rpmmod.split(':').slice(0, 2).join(':');
  const suffix = /^(.*) \(([^()\s]+:[^()\s]+)\)$/.exec(name);
  if (suffix) {
    name = suffix[1]!;
    module ??= suffix[2]!;
  }
  let pkg = nevraOf(name);
  if (purl !== null) {
    if (pkg === null || pkg.name !== purl.name) {
      const epoch = purl.qualifiers.epoch;
      pkg = { name: purl.name, evr: purl.version === null ? null : epoch === undefined ? purl.version : `${epoch}:${purl.version}`, arch: purl.qualifiers.arch ?? null };
    } else if (pkg.evr !== null && !/^\d+:/.test(pkg.evr) && purl.qualifiers.epoch !== undefined) {
      pkg = { ...pkg, evr: `${purl.qualifiers.epoch}:${pkg.evr}` };
    }
  } else if (pkg === null) {
    if (!COMPONENT.test(name)) return { ...EMPTY, other: name };
    pkg = name.endsWith('.src') ? { name: name.slice(0, -4), evr: null, arch: 'src' } : { name, evr: null, arch: null };
  }
  return { ...EMPTY, pkg, module };
}

function nevraOf(s: string): Pkg | null {
  if (!s.includes('-') || /\s/.test(s)) return null;
  try {
    const n = parseNevra(s);
    return { name: n.name, evr: `${n.epoch === null ? '' : `${n.epoch}:`}${n.version}-${n.release}`, arch: n.arch };
  } catch {
    return null;
  }
}

// --- statuses -----------------------------------------------------------------------------

const STATUS_LISTS: readonly (readonly [string, AffectedStatus])[] = [
  ['fixed', 'fixed'],
  ['first_fixed', 'fixed'],
  ['known_affected', 'affected'],
  ['first_affected', 'affected'],
  ['last_affected', 'affected'],
  ['known_not_affected', 'not_affected'],
  ['under_investigation', 'under_investigation'],
];

const ERRATUM = /\b((?:RH|RL|CRL|AL)[SBE]A-\d{4}:\d+)\b/;

function noFixStatus(category: string, details: string): AffectedStatus {
  if (/out of support/i.test(details)) return 'end_of_life';
  if (/defer/i.test(details)) return 'fix_deferred';
  if (category === 'no_fix_planned' || /will not fix|won't fix/i.test(details)) return 'will_not_fix';
  return 'affected';
}

interface Entry {
  status: AffectedStatus;
  note: string | null;
}

// --- conversion ---------------------------------------------------------------------------

function convert(doc: JsonObject, d: JsonObject, id: string, source: string, scorer: string, vex: boolean): FeedParseResult {
  const out = emptyResult();
  const problem = (m: string): void => {
    addProblem(out, id, m);
  };
  const index = new ProductIndex(isObject(doc.product_tree) ? doc.product_tree : null);
  const vulns = Array.isArray(doc.vulnerabilities) ? doc.vulnerabilities : [];
  if (doc.vulnerabilities !== undefined && !Array.isArray(doc.vulnerabilities)) problem(`vulnerabilities is ${typeName(doc.vulnerabilities)}, not an array`);

  const ids = new IdSet(id);
  const cvss: CvssScore[] = [];
  const rows = new RowSet('highest');
  const unknownIds = new Tally();
  const unmapped = new Tally();
  const noStream = new Tally();
  const notRpm = new Tally();
  const fromRemediation = new Tally();
  const noVersion = new Tally();
  const impacts = new Map<string, string>();
  let advisoryImpact: VendorSeverity | null = null;
  const references: Reference[] = [];
  const addRef = (url: string | null, type: Reference['type']): void => {
    if (url !== null && url !== '' && !references.some((r) => r.url === url)) references.push({ url, type });
  };
  for (const r of listOf(d.references)) {
    const url = str(r.url);
    addRef(url, r.category === 'self' ? 'ADVISORY' : url !== null && url.includes('bugzilla') ? 'REPORT' : 'WEB');
    const e = url === null ? null : ERRATUM.exec(url);
    if (e) ids.add(e[1]!);
  }

  const pending: { pid: string; entry: Entry }[] = [];
  const sourceRows: { target: RhelFamilyTarget; pkg: Pkg; module: string | null; entry: Entry }[] = [];
  const streamsWithBinaries = new Set<string>();
  const cpeFromName = new Tally();
  const moduleFromTitle = new Tally();
  const moduleWithoutStream = { count: 0 };
  const titleStreams = moduleStreamsOf(str(d.title) ?? '');
  const streamOf = (module: string | null, pkg: Pkg): string | null => {
    if (module !== null && /^[^:\s]+:[^:\s]+$/.test(module)) return module;
    if (pkg.evr === null || !MODULE_BUILD.test(pkg.evr)) return null;
    // CIQ names no stream in the product tree; its title does (`Important: nodejs:12 security update`).
    const fromTitle = titleStreams[0];
    if (fromTitle !== undefined) {
      moduleFromTitle.add(fromTitle);
      return fromTitle;
    }
    moduleWithoutStream.count++;
    return null;
  };
  for (let vi = 0; vi < vulns.length; vi++) {
    const v: unknown = vulns[vi];
    if (!isObject(v)) {
      problem(`vulnerabilities[${vi}] is ${typeName(v)}, not an object`);
      continue;
    }
    const cve = str(v.cve);
    if (cve !== null && CVE_ID.test(cve)) ids.add(cve);
    else if (cve !== null) problem(`vulnerabilities[${vi}].cve "${cve}" is not a CVE id`);
    const where = cve ?? `vulnerabilities[${vi}]`;

    const entries = new Map<string, Entry>();
    const ps = isObject(v.product_status) ? v.product_status : null;
    if (ps !== null) {
      for (const [key, status] of STATUS_LISTS) for (const pid of strArray(ps[key])) entries.set(pid, { status, note: null });
    }
    for (const f of listOf(v.flags)) {
      const label = str(f.label);
      for (const pid of strArray(f.product_ids)) {
        const e = entries.get(pid);
        if (e !== undefined && e.status === 'not_affected' && label !== null) e.note = label;
      }
    }
    for (const r of listOf(v.remediations)) {
      const category = str(r.category) ?? '';
      const details = str(r.details) ?? '';
      const url = str(r.url);
      const erratum = url === null ? null : (ERRATUM.exec(url)?.[1] ?? null);
      if (category === 'vendor_fix' && erratum !== null) ids.add(erratum);
      for (const pid of strArray(r.product_ids)) {
        const e = entries.get(pid);
        if (category === 'vendor_fix') {
          const note = vex && erratum !== null && erratum !== id ? erratum : null;
          if (e === undefined) {
            entries.set(pid, { status: 'fixed', note });
            fromRemediation.add(`${pid} (vendor_fix)`);
          } else if (e.status === 'fixed') e.note ??= note;
        } else if (category === 'no_fix_planned' || category === 'none_available') {
          const status = noFixStatus(category, details);
          if (e === undefined) {
            entries.set(pid, { status, note: details === '' ? null : details });
            fromRemediation.add(`${pid} (${category})`);
          } else if (e.status === 'affected') {
            e.status = status;
            e.note = details === '' ? null : details;
          }
        }
      }
    }
    for (const t of listOf(v.threats)) {
      if (t.category !== 'impact') continue;
      const label = str(t.details);
      if (label === null) continue;
      const n = redHatSeverity(label);
      if (n === null) {
        problem(`${where}: unknown impact "${label}"`);
        continue;
      }
      if (advisoryImpact === null || severityRank(n) > severityRank(advisoryImpact.normalized)) advisoryImpact = { vendor: label, normalized: n };
      for (const pid of strArray(t.product_ids)) impacts.set(pid, label);
    }
    const scores = listOf(v.scores);
    for (let si = 0; si < scores.length; si++) {
      const s = scores[si]!;
      for (const [key, major] of [
        ['cvss_v3', '3'],
        ['cvss_v2', '2'],
        ['cvss_v4', '4'],
      ] as const) {
        const c = isObject(s[key]) ? s[key] : null;
        if (c === null) continue;
        const vector = str(c.vectorString);
        if (vector === null) {
          problem(`${where}: scores[${si}].${key} has no vectorString`);
          continue;
        }
        const stated = typeof c.baseScore === 'number' && Number.isFinite(c.baseScore) ? c.baseScore : null;
        addCvss(cvss, statedCvss(vector, stated, scorer, major, `${where} scores[${si}].${key}`, problem));
      }
    }
    for (const r of listOf(v.references)) {
      const url = str(r.url);
      addRef(url, url !== null && url.includes('bugzilla') ? 'REPORT' : r.category === 'self' ? 'ADVISORY' : 'WEB');
    }
    for (const [pid, entry] of entries) pending.push({ pid, entry });
  }

  const severityLabel = isObject(d.aggregate_severity) ? str(d.aggregate_severity.text) : null;
  let severity: VendorSeverity | null = null;
  if (severityLabel !== null) {
    const n = redHatSeverity(severityLabel);
    if (n === null) problem(`unknown aggregate_severity "${severityLabel}"`);
    else severity = { vendor: severityLabel, normalized: n };
  }
  severity ??= advisoryImpact ?? { vendor: null, normalized: severityFromCvss(cvss) };
  const perRowSeverity = new Set(impacts.values()).size > 1;

  for (const { pid, entry } of pending) {
    const r = index.resolve(pid);
    if (r === null) {
      unknownIds.add(pid);
      continue;
    }
    if (r.other !== null) {
      notRpm.add(r.other);
      continue;
    }
    if (r.cpe === null) {
      noStream.add(pid);
      continue;
    }
    const target = mapRhelFamilyCpe(r.cpe);
    if (target === null) {
      unmapped.add(r.cpe);
      continue;
    }
    const pkg = r.pkg;
    if (pkg === null) {
      // The module itself (`AppStream-…:python39:3.9:…`) is listed beside its packages.
      if (r.module === null) noStream.add(pid);
      continue;
    }
    if (r.cpeFromName !== null) cpeFromName.add(r.cpeFromName);
    if (pkg.arch === 'src') {
      sourceRows.push({ target, pkg, module: r.module, entry });
      continue;
    }
    streamsWithBinaries.add(targetKey(target));
    let ranges: AffectedPackage['ranges'];
    if (entry.status === 'fixed') {
      if (pkg.evr === null) {
        noVersion.add(pid);
        continue;
      }
      ranges = [{ introduced: '0', fixed: pkg.evr }];
    } else if (entry.status === 'not_affected') ranges = [];
    else ranges = [{ introduced: '0' }];
    const impact = impacts.get(pid);
    const n = impact === undefined ? null : redHatSeverity(impact);
    rows.add({
      source,
      advisoryId: id,
      distro: target.distro,
      release: target.release,
      channel: target.channel,
      packageName: pkg.name,
      binaryNames: null,
      moduleStream: streamOf(r.module, pkg),
      arch: pkg.arch,
      scheme: 'rpm',
      ranges,
      versions: [],
      status: entry.status,
      severity: perRowSeverity && impact !== undefined && n !== null ? { vendor: impact, normalized: n } : null,
      note: entry.note,
    });
  }
  // Excerpts that list only source RPMs for a stream: keep them, keyed by the source name.
  const sourceOnly = new Tally();
  for (const s of sourceRows) {
    if (streamsWithBinaries.has(targetKey(s.target))) continue;
    sourceOnly.add(`${s.pkg.name} (${targetKey(s.target)})`);
    rows.add({
      source,
      advisoryId: id,
      distro: s.target.distro,
      release: s.target.release,
      channel: s.target.channel,
      packageName: s.pkg.name,
      binaryNames: null,
      moduleStream: streamOf(s.module, s.pkg),
      arch: null,
      scheme: 'rpm',
      ranges: s.entry.status === 'fixed' && s.pkg.evr !== null ? [{ introduced: '0', fixed: s.pkg.evr }] : s.entry.status === 'not_affected' ? [] : [{ introduced: '0' }],
      versions: [],
      status: s.entry.status,
      severity: null,
      note: sourcePackageNote(s.entry.note),
    });
  }

  const firstVuln = vulns.find((v) => isObject(v));
  const advisory: Advisory = {
    id,
    source,
    cves: ids.cves,
    relatedIds: ids.others,
    title: (vex && isObject(firstVuln) ? str(firstVuln.title) : null) ?? str(d.title),
    description: notesText(d.notes) ?? (isObject(firstVuln) ? notesText(firstVuln.notes) : null),
    severity,
    cvss,
    published: isObject(d.tracking) ? str(d.tracking.initial_release_date) : null,
    modified: isObject(d.tracking) ? str(d.tracking.current_release_date) : null,
    withdrawn: null,
    references,
  };
  out.advisories.push(advisory);
  for (const p of rows.rows()) {
    out.affected.push(p);
    reportInvalidVersions(out, id, p);
  }
  unknownIds.report(out, id, 'product ids not in the product tree (skipped)');
  noStream.report(out, id, 'products without a product stream (CPE) or package (skipped)');
  unmapped.report(out, id, 'rows skipped for products that are not RHEL-family releases');
  notRpm.report(out, id, 'rows skipped for products that are not RPMs');
  noVersion.report(out, id, 'fixed products without a package version (skipped)');
  fromRemediation.report(out, id, 'products with no product_status; status taken from their remediation');
  cpeFromName.report(out, id, 'product streams without a CPE, mapped by their name');
  moduleFromTitle.report(out, id, 'module builds without a stream in the product tree; the stream named in the title was used');
  if (titleStreams.length > 1 && moduleFromTitle.size > 0) problem(`the title names several module streams (${titleStreams.join(', ')}); module builds were assigned ${titleStreams[0]!}`);
  if (moduleWithoutStream.count > 0) problem(`${moduleWithoutStream.count} module builds name no module stream; their moduleStream is null`);
  sourceOnly.report(out, id, 'only source RPMs listed for a stream; rows keyed by the source package name (note "source package")');
  if (rows.conflicts.length > 0) problem(`several fixed builds for one stream; the highest is kept: ${rows.conflicts.join('; ')}`);
  return out;
}

function targetKey(t: RhelFamilyTarget): string {
  return `${t.distro} ${t.release}${t.channel === null ? '' : ` ${t.channel}`}`;
}

function listOf(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter((x): x is JsonObject => isObject(x)) : [];
}

/** `summary` and `description` notes, in document order. */
function notesText(notes: unknown): string | null {
  const parts: string[] = [];
  for (const n of listOf(notes)) {
    if (n.category !== 'summary' && n.category !== 'description') continue;
    const t = str(n.text);
    if (t !== null) parts.push(t.trim());
  }
  return parts.length === 0 ? null : parts.join('\n\n');
}
