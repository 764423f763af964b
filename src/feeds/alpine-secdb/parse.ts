/**
 * Alpine secdb (YAML sources or published JSON) → one advisory per vulnerability id
 * (source `alpine-secdb`, id = the CVE id, or e.g. `XSA-207` when no CVE is given) and
 * one affected package per (package, fixed version, id). Pure.
 *
 * `distroversion: v3.19` → release `3.19` (`edge` stays `edge`). A `0` fixed version
 * means the package was never affected in that release (`not_affected`); any other
 * version V means versions below V are affected (`fixed`, range `introduced: 0, fixed: V`).
 * An id listed under two fixed versions of one package keeps the higher one (reported).
 * Fixed versions that are not valid apk versions (upstream typos such as `4.8.0.-r1`)
 * are kept as written and reported.
 *
 * YAML is read with the failsafe schema, so every scalar stays the exact string written
 * (`1.10` is not the number 1.1, `0` is not false).
 */
import { parseAllDocuments } from 'yaml';
import type { Advisory, AffectedPackage, FeedParseResult } from '../../domain/advisory.js';
import { compareIds } from '../shared/ids.js';
import { decodeText, errorMessage, invalidDocument, isObject, parseJsonDocument, str, typeName } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { UNKNOWN_SEVERITY } from '../shared/severity.js';
import { reportInvalidVersions, versionProblem } from '../shared/versions.js';
import { compareVersions } from '../../versioning/index.js';

export const ALPINE_SECDB_SOURCE = 'alpine-secdb';
const FEED = 'Alpine secdb';

export function parseAlpineSecdbJson(input: string | Uint8Array): FeedParseResult {
  return parseAlpineSecdbValue(parseJsonDocument(input, `${FEED} JSON`));
}

/** A YAML source file; several `---` documents in one file are all read. */
export function parseAlpineSecdbYaml(input: string | Uint8Array): FeedParseResult {
  const text = decodeText(input, `${FEED} YAML`);
  let docs;
  try {
    docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false });
  } catch (e) {
    throw invalidDocument(`${FEED} YAML`, `not valid YAML (${errorMessage(e)})`, e);
  }
  const list = Array.isArray(docs) ? docs : [];
  const out = emptyResult();
  const advisories = new Map<string, Advisory>();
  for (const d of list) {
    const err = d.errors[0];
    if (err !== undefined) throw invalidDocument(`${FEED} YAML`, `not valid YAML (${err.message})`, err);
    appendDocument(out, advisories, d.toJS({ maxAliasCount: 100 }) as unknown);
  }
  if (list.length === 0) throw invalidDocument(`${FEED} YAML`, 'empty document');
  flush(out, advisories);
  return out;
}

/** Same as the two above for an already-parsed document. */
export function parseAlpineSecdbValue(doc: unknown): FeedParseResult {
  const out = emptyResult();
  const advisories = new Map<string, Advisory>();
  appendDocument(out, advisories, doc);
  flush(out, advisories);
  return out;
}

function flush(out: FeedParseResult, advisories: Map<string, Advisory>): void {
  for (const a of advisories.values()) {
    a.relatedIds.sort(compareIds);
    out.advisories.push(a);
  }
}

/** `v3.19` → `3.19`, `edge` → `edge`. */
export function alpineReleaseOf(distroversion: string): string | null {
  const m = /^v(\d+\.\d+)$/.exec(distroversion);
  if (m) return m[1]!;
  return distroversion === 'edge' ? 'edge' : null;
}

function appendDocument(out: FeedParseResult, advisories: Map<string, Advisory>, doc: unknown): void {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected an object with distroversion and packages, got ${typeName(doc)}`);
  const distroversion = str(doc.distroversion);
  if (distroversion === null || !('packages' in doc)) {
    throw invalidDocument(FEED, 'missing distroversion or packages: not a secdb document');
  }
  const release = alpineReleaseOf(distroversion);
  if (release === null) throw invalidDocument(FEED, `unrecognized distroversion "${distroversion}"`);
  const packages = doc.packages;
  if (packages === null || packages === '' || (isObject(packages) && Object.keys(packages).length === 0)) return;
  if (!Array.isArray(packages)) throw invalidDocument(FEED, `packages is ${typeName(packages)}, not a list`);

  for (let i = 0; i < packages.length; i++) {
    const entry: unknown = packages[i];
    const pkg = isObject(entry) && isObject(entry.pkg) ? entry.pkg : null;
    const name = pkg === null ? null : str(pkg.name);
    if (pkg === null || name === null) {
      addProblem(out, `packages[${i}]`, 'entry has no pkg.name');
      continue;
    }
    const secfixes = pkg.secfixes;
    if (secfixes === undefined || secfixes === null || secfixes === '') continue;
    if (!isObject(secfixes)) {
      addProblem(out, name, `secfixes is ${typeName(secfixes)}, not a mapping`);
      continue;
    }
    // One row per id: an id listed under two fixed versions keeps the higher one.
    const rows = new Map<string, AffectedPackage>();
    const extra: AffectedPackage[] = [];
    for (const version of Object.keys(secfixes)) {
      const list = secfixes[version];
      if (!Array.isArray(list)) {
        addProblem(out, name, `secfixes["${version}"] is ${list === '' ? 'empty' : typeName(list)}, not a list of ids; skipped`);
        continue;
      }
      for (const raw of list) {
        if (typeof raw !== 'string' || raw.trim() === '') {
          addProblem(out, name, `secfixes["${version}"] has a non-id entry ${JSON.stringify(raw)}`);
          continue;
        }
        const parsed = parseFixEntry(raw);
        if (parsed === null) {
          addProblem(out, name, `secfixes["${version}"]: no vulnerability id in ${JSON.stringify(raw)}; skipped`);
          continue;
        }
        for (const id of parsed.ids) {
          const advisory = advisoryFor(advisories, id);
          for (const other of parsed.related) if (other !== id && !advisory.relatedIds.includes(other)) advisory.relatedIds.push(other);
          const row = affected(id, release, name, version, parsed.remark);
          const previous = rows.get(id);
          if (previous === undefined) {
            rows.set(id, row);
            continue;
          }
          if (fixedOf(previous) === version) continue; // the same fact written twice
          const kept = higherFix(previous, row);
          const a = fixedOf(previous);
          const b = fixedOf(row);
          if (kept === null) {
            extra.push(row);
            addProblem(out, name, `${id} is listed under two versions, ${a} and ${b}, which cannot be compared; both kept`);
          } else {
            rows.set(id, kept);
            addProblem(out, name, `${id} is listed under two versions, ${a} and ${b}; kept the higher, ${fixedOf(kept)}`);
          }
        }
      }
    }
    for (const row of [...rows.values(), ...extra]) {
      out.affected.push(row);
      reportInvalidVersions(out, row.advisoryId, row);
    }
  }
}

function fixedOf(p: AffectedPackage): string {
  return p.ranges[0]?.fixed ?? '0';
}

/**
 * Of two rows for one id, the one with the higher fixed version (`0` is lowest): a
 * version below either is treated as affected, which never hides a vulnerable host
 * (secdb lists some ids under a fix for each of two branches, e.g. wireshark 2.2.10
 * and 2.4.2). Null when a version is not valid apk and the two cannot be compared.
 */
function higherFix(a: AffectedPackage, b: AffectedPackage): AffectedPackage | null {
  const va = fixedOf(a);
  const vb = fixedOf(b);
  if (va === '0') return b;
  if (vb === '0') return a;
  if (versionProblem('apk', va) !== null || versionProblem('apk', vb) !== null) return null;
  return compareVersions('apk', va, vb) >= 0 ? a : b;
}

function affected(id: string, release: string, name: string, version: string, note: string | null): AffectedPackage {
  const notAffected = version === '0';
  return {
    source: ALPINE_SECDB_SOURCE,
    advisoryId: id,
    distro: 'alpine',
    release,
    channel: null,
    packageName: name,
    binaryNames: null,
    moduleStream: null,
    arch: null,
    scheme: 'apk',
    ranges: notAffected ? [] : [{ introduced: '0', fixed: version }],
    versions: [],
    status: notAffected ? 'not_affected' : 'fixed',
    severity: null,
    note,
  };
}

function advisoryFor(advisories: Map<string, Advisory>, id: string): Advisory {
  let a = advisories.get(id);
  if (a === undefined) {
    const isCve = id.startsWith('CVE-');
    a = {
      id,
      source: ALPINE_SECDB_SOURCE,
      cves: isCve ? [id] : [],
      relatedIds: [],
      title: null,
      description: null,
      severity: UNKNOWN_SEVERITY,
      cvss: [],
      published: null,
      modified: null,
      withdrawn: null,
      references: isCve ? [{ url: `https://security.alpinelinux.org/vuln/${id}`, type: 'WEB' }] : [],
    };
    advisories.set(id, a);
  }
  return a;
}

const CVE_IN_TEXT = /CVE[-_ ]?(\d{4})[-_](\d{4,})/g;
/** `XSA-207`, `TALOS-2017-0488`, `wnpa-sec-2017-18`: letters (dash-separated), then a dash and a number. */
const OTHER_ID = /\b([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z]+)*-\d[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\b/g;

export interface SecfixEntry {
  /** The ids the entry is about: its CVE ids, or else its first other id. */
  ids: string[];
  /** Further ids named beside them (`XSA-182`, `TALOS-2017-0488`). */
  related: string[];
  /** Remaining text, parentheses removed: `FrameRelay`. Null when none. */
  remark: string | null;
}

/**
 * Reads one secfixes entry: `CVE-2019-1234`, `CVE-2016-6258 XSA-182`,
 * `CVE-2018-14468 (FrameRelay)`, `XSA-207`, `wnpa-sec-2017-18`; tolerates the typos found in
 * real files (`CVE_2019-2426`, `CVE 2018-16859`, `CVE-2019-19451.patch`, `CVE-2017-17434-1`).
 * Null when no id is found.
 */
export function parseFixEntry(raw: string): SecfixEntry | null {
  const text = raw.trim();
  const cves: string[] = [];
  let rest = text.replace(CVE_IN_TEXT, (_m, year: string, num: string) => {
    const id = `CVE-${year}-${num}`;
    if (!cves.includes(id)) cves.push(id);
    return ' ';
  });
  const others: string[] = [];
  rest = rest.replace(OTHER_ID, (m: string) => {
    if (!others.includes(m)) others.push(m);
    return ' ';
  });
  if (cves.length === 0 && others.length === 0) return null;
  // What is left of a typo'd CVE token (`.patch`, `-1`) is not a remark.
  const remark = rest
    .replace(/^\s*(?:\.patch|-\d+)(?=\s|$)/, ' ')
    .replace(/[()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (cves.length > 0) return { ids: cves, related: others, remark: remark === '' ? null : remark };
  return { ids: [others[0]!], related: others.slice(1), remark: remark === '' ? null : remark };
}
