/**
 * OSV records (ossf/osv-schema 1.x) of Linux distributions → normalized advisories.
 * Pure: text, bytes or already-parsed JSON in, `FeedParseResult` out.
 *
 * - One file holds one record; an array of records (an aggregated dump) is accepted too.
 * - Ranges are paired from the event timeline in document order (OSV asks publishers to
 *   sort events; distribution feeds do), see `pairEvents`.
 * - The RHEL-family module stream is not a field in OSV: AlmaLinux and Rocky name it only
 *   in the summary (`Moderate: nodejs:18 security update`) and mark module builds in the
 *   release (`…module+el8.4.0+…`, `…module_el8.7.0+…`). A package gets the stream when its
 *   versions carry that marker.
 */
import type {
  Advisory,
  AffectedPackage,
  AffectedRange,
  AffectedStatus,
  CvssScore,
  FeedParseResult,
  Reference,
  ReferenceType,
  VendorSeverity,
} from '../../domain/advisory.js';
import { IdSet } from '../shared/ids.js';
import { isObject, invalidDocument, parseJsonDocument, str, strArray, typeName, type JsonObject } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { scoreCvssVector, type CvssMajor } from '../shared/cvss.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { genericSeverity, redHatSeverity, severityFromCvss, severityRank, ubuntuSeverity } from '../shared/severity.js';
import { mapEcosystem } from './ecosystem.js';

const FEED = 'OSV';

/** Parses an OSV document: one record, or an array of records. */
export function parseOsv(input: string | Uint8Array): FeedParseResult {
  return parseOsvValue(parseJsonDocument(input, FEED));
}

/** Same as `parseOsv` for JSON that is already parsed. */
export function parseOsvValue(doc: unknown): FeedParseResult {
  const out = emptyResult();
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) appendOsvRecord(out, doc[i], `[${i}]`);
    return out;
  }
  if (!isObject(doc)) throw invalidDocument(FEED, `expected a record object or an array of records, got ${typeName(doc)}`);
  if (!('id' in doc) && !('affected' in doc) && !('modified' in doc) && !('schema_version' in doc)) {
    throw invalidDocument(FEED, 'the object has none of the OSV fields id, modified, affected, schema_version');
  }
  appendOsvRecord(out, doc, 'record');
  return out;
}

/**
 * Appends one record's advisory and affected packages to `out`; whatever is wrong
 * with it goes to `out.problems`. `label` names the record in problems when it has no id.
 */
export function appendOsvRecord(out: FeedParseResult, rec: unknown, label: string): void {
  if (!isObject(rec)) {
    addProblem(out, label, `record is ${typeName(rec)}, not an object`);
    return;
  }
  const id = str(rec.id);
  if (id === null) {
    addProblem(out, label, 'record has no id');
    return;
  }
  const problem = (message: string): void => {
    addProblem(out, id, message);
  };

  const summary = str(rec.summary);
  const affectedIn = Array.isArray(rec.affected) ? rec.affected : [];
  if (rec.affected !== undefined && !Array.isArray(rec.affected)) problem(`affected is ${typeName(rec.affected)}, not an array`);

  // Module streams named in the summary (RHEL family).
  const streams = summary === null ? [] : moduleStreamsOf(summary);

  let source: string | null = null;
  const unsupported = new Set<string>();
  const affected: AffectedPackage[] = [];
  const cvss: CvssScore[] = [];
  let labelSeverity: VendorSeverity | null = null;
  let moduleWithoutStream = false;
  let moduleAssigned = false;

  for (let i = 0; i < affectedIn.length; i++) {
    const a: unknown = affectedIn[i];
    const where = `affected[${i}]`;
    if (!isObject(a)) {
      problem(`${where} is ${typeName(a)}, not an object`);
      continue;
    }
    const pkg = isObject(a.package) ? a.package : null;
    const ecosystem = pkg === null ? null : str(pkg.ecosystem);
    const name = pkg === null ? null : str(pkg.name);
    if (ecosystem === null || name === null) {
      problem(`${where} has no package ecosystem and name`);
      continue;
    }
    const t = mapEcosystem(ecosystem);
    if (t === null) {
      unsupported.add(ecosystem);
      continue;
    }
    source ??= `osv:${t.family}`;

    const ranges = parseRanges(a.ranges, (m) => {
      problem(`${where} (${name}): ${m}`);
    });
    const versions = strArray(a.versions);
    const status: AffectedStatus = ranges.length > 0 && ranges.every((r) => r.fixed !== undefined) ? 'fixed' : 'affected';
    if (ranges.length === 0 && versions.length === 0) problem(`${where} (${name}): no ranges and no versions; kept as affected`);

    let moduleStream: string | null = null;
    if (t.scheme === 'rpm' && (t.distro === 'almalinux' || t.distro === 'rocky' || t.distro === 'rhel')) {
      if (ranges.some(isModuleBuild) || versions.some((v) => MODULE_BUILD.test(v))) {
        if (streams.length > 0) {
          moduleStream = streams[0]!;
          moduleAssigned = true;
        } else moduleWithoutStream = true;
      }
    }

    const es = isObject(a.ecosystem_specific) ? a.ecosystem_specific : null;
    const binaryNames = es === null ? null : binariesOf(es.binaries);
    const availability = es === null ? null : str(es.availability);

    // Per-package severity (OSV allows it instead of the top-level one).
    let severity: VendorSeverity | null = null;
    if (Array.isArray(a.severity)) {
      const s = readSeverities(a.severity, cvss, `${where}.severity`, problem);
      if (s !== null) severity = s;
    }
    // USN records rate each CVE in database_specific.cves_map; the advisory takes the highest.
    const ds = isObject(a.database_specific) ? a.database_specific : null;
    if (ds !== null && isObject(ds.cves_map)) labelSeverity = maxLabel(labelSeverity, cvesMapSeverity(ds.cves_map));

    affected.push({
      source: '',
      advisoryId: id,
      distro: t.distro,
      release: t.release,
      channel: t.channel,
      packageName: name,
      binaryNames,
      moduleStream,
      arch: null,
      scheme: t.scheme,
      ranges,
      versions,
      status,
      severity,
      note: availability,
    });
  }

  if (unsupported.size > 0) {
    problem(`skipped affected entries of unsupported ecosystem(s): ${[...unsupported].sort().join(', ')}`);
  }
  if (moduleWithoutStream) {
    problem('packages are module builds but the summary names no module stream; their moduleStream is null');
  }
  if (moduleAssigned && new Set(streams.map((s) => s.replace(/-devel:/, ':'))).size > 1) {
    problem(`summary names several module streams (${streams.join(', ')}); module builds were assigned ${streams[0]!}`);
  }

  const advisorySource = source ?? sourceFromId(id);
  for (const p of affected) p.source = advisorySource;

  // Top-level severity: vendor labels first, CVSS vectors collected for scores.
  if (Array.isArray(rec.severity)) {
    labelSeverity = maxLabel(labelSeverity, readSeverities(rec.severity, cvss, 'severity', problem));
  } else if (rec.severity !== undefined) {
    problem(`severity is ${typeName(rec.severity)}, not an array`);
  }
  const dbs = isObject(rec.database_specific) ? rec.database_specific : null;
  const dbLabel = dbs === null ? null : str(dbs.severity);
  if (dbLabel !== null) {
    const n = genericSeverity(dbLabel);
    if (n === null) problem(`unknown database_specific.severity "${dbLabel}"`);
    else labelSeverity = { vendor: dbLabel, normalized: n };
  }
  if (labelSeverity === null && summary !== null) {
    const m = /^(Critical|Important|Moderate|Low):\s/.exec(summary);
    if (m) labelSeverity = { vendor: m[1]!, normalized: redHatSeverity(m[1]!)! };
  }
  for (const s of cvss) s.source = advisorySource;
  const severity: VendorSeverity = labelSeverity ?? { vendor: null, normalized: severityFromCvss(cvss) };

  const ids = new IdSet(id);
  ids.add(id);
  ids.addAll(strArray(rec.aliases));
  ids.addAll(strArray(rec.upstream));
  ids.addAll(strArray(rec.related));
  for (const a of affectedIn) {
    if (isObject(a) && isObject(a.database_specific) && isObject(a.database_specific.cves_map)) {
      const cves = a.database_specific.cves_map.cves;
      if (Array.isArray(cves)) for (const c of cves) if (isObject(c) && typeof c.id === 'string') ids.add(c.id);
    }
  }

  const advisory: Advisory = {
    id,
    source: advisorySource,
    cves: ids.cves,
    relatedIds: ids.others,
    title: summary,
    description: str(rec.details),
    severity,
    cvss,
    published: str(rec.published),
    modified: str(rec.modified),
    withdrawn: str(rec.withdrawn),
    references: readReferences(rec.references, problem),
  };
  out.advisories.push(advisory);
  for (const p of affected) {
    out.affected.push(p);
    reportInvalidVersions(out, id, p);
  }
}

// --- ranges -------------------------------------------------------------------

/**
 * Pairs each range's events into intervals, in document order:
 * `introduced` opens an interval (a second `introduced` while one is open is redundant
 * and ignored), `fixed` / `last_affected` closes it, an interval still open at the end is
 * open-ended. `limit` events (meant for GIT ranges) are ignored and reported.
 */
function parseRanges(value: unknown, problem: (m: string) => void): AffectedRange[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem(`ranges is ${typeName(value)}, not an array`);
    return [];
  }
  const out: AffectedRange[] = [];
  for (let i = 0; i < value.length; i++) {
    const r: unknown = value[i];
    if (!isObject(r)) {
      problem(`ranges[${i}] is ${typeName(r)}, not an object`);
      continue;
    }
    const type = str(r.type);
    if (type !== 'ECOSYSTEM') {
      problem(`ranges[${i}] has type ${type ?? 'none'}; only ECOSYSTEM ranges apply to distribution packages, range skipped`);
      continue;
    }
    if (!Array.isArray(r.events)) {
      problem(`ranges[${i}] has no events array`);
      continue;
    }
    pairEvents(r.events, out, (m) => {
      problem(`ranges[${i}]: ${m}`);
    });
  }
  return out;
}

function pairEvents(events: readonly unknown[], out: AffectedRange[], problem: (m: string) => void): void {
  let open: AffectedRange | null = null;
  for (const e of events) {
    if (!isObject(e)) {
      problem(`event is ${typeName(e)}, not an object`);
      continue;
    }
    const introduced = str(e.introduced);
    const fixed = str(e.fixed);
    const lastAffected = str(e.last_affected);
    const set = (introduced === null ? 0 : 1) + (fixed === null ? 0 : 1) + (lastAffected === null ? 0 : 1);
    if (set !== 1) {
      if (str(e.limit) !== null && set === 0) problem('limit event ignored');
      else problem(`event ${JSON.stringify(e)} must have exactly one of introduced, fixed, last_affected`);
      continue;
    }
    if (introduced !== null) {
      open ??= { introduced };
      continue;
    }
    if (open === null) {
      problem(`${fixed === null ? 'last_affected' : 'fixed'} event without a preceding introduced; kept as a range from the start`);
      open = {};
    }
    if (fixed !== null) open.fixed = fixed;
    else if (lastAffected !== null) open.lastAffected = lastAffected;
    out.push(open);
    open = null;
  }
  if (open !== null) out.push(open);
}

// --- module streams -------------------------------------------------------------

/** RHEL-family module build marker in an RPM release: `.module+el8.4.0+570+…`, `.module_el8.7.0+3493+…`. */
const MODULE_BUILD = /\.module[+_]el\d/;

function isModuleBuild(r: AffectedRange): boolean {
  return (
    (r.fixed !== undefined && MODULE_BUILD.test(r.fixed)) ||
    (r.introduced !== undefined && MODULE_BUILD.test(r.introduced)) ||
    (r.lastAffected !== undefined && MODULE_BUILD.test(r.lastAffected))
  );
}

/** `name:stream` tokens of a summary, with an optional `/profile` dropped: `httpd:2.4/httpd` → `httpd:2.4`. */
const STREAM_TOKEN = /(?:^|[\s(,])([A-Za-z0-9][A-Za-z0-9_.+-]*):([A-Za-z0-9][A-Za-z0-9._+-]*)(?:\/[A-Za-z0-9_-]+)?(?=$|[\s),])/g;

/** Module streams named in a summary, in order: `Moderate: python39:3.9 and python39-devel:3.9 …` → both. */
export function moduleStreamsOf(summary: string): string[] {
  const text = summary.replace(/^[A-Za-z]+:\s+/, '');
  const out: string[] = [];
  for (const m of text.matchAll(STREAM_TOKEN)) {
    const s = `${m[1]!}:${m[2]!}`;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

// --- severity, CVSS, references ---------------------------------------------------

const CVSS_TYPES: Readonly<Record<string, CvssMajor>> = { CVSS_V2: '2', CVSS_V3: '3', CVSS_V4: '4' };

/**
 * Reads a `severity[]` list: CVSS vectors are validated and scored into `cvss`
 * (deduplicated); an `Ubuntu` priority is returned as the vendor label.
 */
function readSeverities(
  list: readonly unknown[],
  cvss: CvssScore[],
  where: string,
  problem: (m: string) => void,
): VendorSeverity | null {
  let label: VendorSeverity | null = null;
  for (let i = 0; i < list.length; i++) {
    const s: unknown = list[i];
    const type = isObject(s) ? str(s.type) : null;
    const score = isObject(s) ? str(s.score) : null;
    if (type === null || score === null) {
      problem(`${where}[${i}] has no type and score`);
      continue;
    }
    const major = CVSS_TYPES[type];
    if (major !== undefined) {
      const r = scoreCvssVector(score, major);
      if (!r.ok) {
        problem(`${where}[${i}]: invalid ${type} vector "${score}": ${r.reason}; ignored`);
        continue;
      }
      if (!cvss.some((c) => c.vector === score)) {
        cvss.push({ version: r.version, vector: score, baseScore: r.baseScore, source: '' });
      }
    } else if (type === 'Ubuntu') {
      const n = ubuntuSeverity(score);
      if (n === null) problem(`${where}[${i}]: unknown Ubuntu priority "${score}"`);
      else label = maxLabel(label, { vendor: score, normalized: n });
    } else {
      problem(`${where}[${i}]: unknown severity type ${type}; ignored`);
    }
  }
  return label;
}

function cvesMapSeverity(cvesMap: JsonObject): VendorSeverity | null {
  let label: VendorSeverity | null = null;
  if (!Array.isArray(cvesMap.cves)) return null;
  for (const c of cvesMap.cves) {
    if (!isObject(c) || !Array.isArray(c.severity)) continue;
    for (const s of c.severity) {
      if (!isObject(s) || s.type !== 'Ubuntu' || typeof s.score !== 'string') continue;
      const n = ubuntuSeverity(s.score);
      if (n !== null) label = maxLabel(label, { vendor: s.score, normalized: n });
    }
  }
  return label;
}

/** The higher of two labels; the first on a tie. */
function maxLabel(a: VendorSeverity | null, b: VendorSeverity | null): VendorSeverity | null {
  if (a === null) return b;
  if (b === null) return a;
  return severityRank(b.normalized) > severityRank(a.normalized) ? b : a;
}

const REFERENCE_TYPES: ReadonlySet<string> = new Set<ReferenceType>([
  'ADVISORY',
  'ARTICLE',
  'DETECTION',
  'DISCUSSION',
  'REPORT',
  'FIX',
  'INTRODUCED',
  'GIT',
  'PACKAGE',
  'EVIDENCE',
  'WEB',
]);

function readReferences(value: unknown, problem: (m: string) => void): Reference[] {
  if (!Array.isArray(value)) return [];
  const out: Reference[] = [];
  for (let i = 0; i < value.length; i++) {
    const r: unknown = value[i];
    const url = isObject(r) ? str(r.url) : null;
    if (url === null) {
      problem(`references[${i}] has no url; ignored`);
      continue;
    }
    const t = isObject(r) ? str(r.type) : null;
    out.push({ url, type: t !== null && REFERENCE_TYPES.has(t) ? (t as ReferenceType) : 'WEB' });
  }
  return out;
}

/** Ubuntu `[{binary_name, binary_version}]` or SUSE `[{"<name>": "<version>"}]` → names; null when absent. */
function binariesOf(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const names = new Set<string>();
  for (const b of value) {
    if (typeof b === 'string') names.add(b);
    else if (isObject(b)) {
      if (typeof b.binary_name === 'string') names.add(b.binary_name);
      else for (const k of Object.keys(b)) names.add(k);
    }
  }
  return [...names].sort();
}

const ID_PREFIX_SOURCES: readonly (readonly [string, string])[] = [
  ['ALSA-', 'osv:AlmaLinux'],
  ['ALBA-', 'osv:AlmaLinux'],
  ['ALEA-', 'osv:AlmaLinux'],
  ['RLSA-', 'osv:Rocky Linux'],
  ['RXSA-', 'osv:Rocky Linux'],
  ['RHSA-', 'osv:Red Hat'],
  ['RHBA-', 'osv:Red Hat'],
  ['RHEA-', 'osv:Red Hat'],
  ['UBUNTU-', 'osv:Ubuntu'],
  ['USN-', 'osv:Ubuntu'],
  ['LSN-', 'osv:Ubuntu'],
  ['DSA-', 'osv:Debian'],
  ['DLA-', 'osv:Debian'],
  ['DTSA-', 'osv:Debian'],
  ['DEBIAN-', 'osv:Debian'],
  ['ALPINE-', 'osv:Alpine'],
  ['SUSE-', 'osv:SUSE'],
  ['openSUSE-', 'osv:openSUSE'],
];

/** Source of a record with no mapped affected entry (e.g. withdrawn), from its id prefix. */
function sourceFromId(id: string): string {
  for (const [prefix, source] of ID_PREFIX_SOURCES) if (id.startsWith(prefix)) return source;
  return 'osv';
}
