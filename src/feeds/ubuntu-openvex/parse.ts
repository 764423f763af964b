/**
 * Ubuntu OpenVEX documents → one advisory per CVE (source `ubuntu-openvex`) and one row per
 * (source package, release, channel). Pure.
 *
 * - Rows key the source package (`arch=source` purl); the binary purls that follow it
 *   (same distro and version) become `binaryNames`. The `distro` qualifier gives release and
 *   channel (`releases.ts`: `jammy` → 22.04; `esm-infra/xenial` → 16.04 `pro`).
 * - Statuses:
 *
 * | OpenVEX                                                            | status                |
 * |--------------------------------------------------------------------|-----------------------|
 * | `fixed` (purl version = the fix)                                   | `fixed`               |
 * | `affected`, action "…decided to not fix it"                        | `will_not_fix`        |
 * | `affected`, action "…is no longer supported…"                      | `end_of_life`         |
 * | `affected`, action mentioning a deferred fix                       | `fix_deferred`        |
 * | `affected` otherwise                                               | `affected`            |
 * | `not_affected` (`note` = the justification)                        | `not_affected`        |
 * | `under_investigation`                                              | `under_investigation` |
 *
 *   The action statement is classified on Ubuntu's fixed wording before "CVE Notes /
 *   justification:", never on the free-text notes after it (which may say "deferred" for an
 *   ignored CVE). Unfixed rows have `introduced: '0'` and no end; not-affected rows no range.
 * - OpenVEX has no severity or CVSS: the advisory's severity is unknown.
 */
import type { Advisory, AffectedPackage, AffectedStatus, FeedParseResult, Reference } from '../../domain/advisory.js';
import { CVE_ID, IdSet } from '../shared/ids.js';
import { invalidDocument, isObject, parseJsonDocument, str, strArray, typeName, type JsonObject } from '../shared/json.js';
import { Tally } from '../shared/oval.js';
import { parsePurl } from '../shared/purl.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { RowSet } from '../shared/rows.js';
import { UNKNOWN_SEVERITY } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { mapUbuntuDistro } from './releases.js';

const FEED = 'Ubuntu OpenVEX';
export const UBUNTU_OPENVEX_SOURCE = 'ubuntu-openvex';

export function parseUbuntuOpenVex(input: string | Uint8Array): FeedParseResult {
  return parseUbuntuOpenVexValue(parseJsonDocument(input, FEED));
}

export function parseUbuntuOpenVexValue(doc: unknown): FeedParseResult {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected an OpenVEX document object, got ${typeName(doc)}`);
  const context = str(doc['@context']);
  if (context === null || !context.startsWith('https://openvex.dev/ns')) {
    throw invalidDocument(FEED, `"@context" is ${JSON.stringify(doc['@context'] ?? null)}, not an OpenVEX namespace`);
  }
  if (!Array.isArray(doc.statements)) throw invalidDocument(FEED, `statements is ${typeName(doc.statements)}, not an array`);
  return convert(doc, doc.statements);
}

/** Ubuntu's action statements, before "CVE Notes / justification:". */
function affectedStatus(action: string | null): AffectedStatus {
  if (action === null) return 'affected';
  const fixedWording = action.split(/CVE Notes\s*\/\s*justification:/i)[0]!;
  if (/decided to not fix|will not fix|won't fix|wontfix/i.test(fixedWording)) return 'will_not_fix';
  if (/no longer supported|end of (?:standard )?(?:support|life)|end-of-life/i.test(fixedWording)) return 'end_of_life';
  if (/defer/i.test(fixedWording)) return 'fix_deferred';
  return 'affected';
}

const STATUSES = new Set(['fixed', 'affected', 'not_affected', 'under_investigation']);

interface Group {
  name: string;
  version: string | null;
  distro: string;
  binaries: Set<string>;
}

function convert(doc: JsonObject, statements: unknown[]): FeedParseResult {
  const out = emptyResult();
  // The CVE: every statement names it; the first one names the document.
  let id: string | null = null;
  for (const s of statements) {
    if (isObject(s) && isObject(s.vulnerability)) {
      id = str(s.vulnerability.name);
      if (id !== null) break;
    }
  }
  if (id === null || !CVE_ID.test(id)) throw invalidDocument(FEED, `no statement names a CVE (vulnerability.name is ${JSON.stringify(id)})`);
  const advisoryId = id;
  const problem = (m: string): void => {
    addProblem(out, advisoryId, m);
  };

  const ids = new IdSet(advisoryId);
  ids.add(advisoryId);
  const references: Reference[] = [];
  const addRef = (url: string, type: Reference['type']): void => {
    if (!references.some((r) => r.url === url)) references.push({ url, type });
  };
  let description: string | null = null;
  let earliest: string | null = null;
  const rows = new RowSet('highest');
  const badDistro = new Tally();
  const orphans = new Tally();
  const notDeb = new Tally();

  for (let si = 0; si < statements.length; si++) {
    const s: unknown = statements[si];
    const where = `statements[${si}]`;
    if (!isObject(s)) {
      problem(`${where} is ${typeName(s)}, not an object`);
      continue;
    }
    const vuln = isObject(s.vulnerability) ? s.vulnerability : null;
    const name = vuln === null ? null : str(vuln.name);
    if (name !== advisoryId) {
      problem(`${where} is about ${JSON.stringify(name)}, not ${advisoryId}; skipped`);
      continue;
    }
    if (vuln !== null) {
      description ??= str(vuln.description);
      for (const alias of strArray(vuln.aliases)) {
        const usn = /\/notices\/(USN-\d+-\d+)\b/.exec(alias);
        if (usn) ids.add(usn[1]!);
        addRef(alias, usn ? 'ADVISORY' : 'WEB');
      }
    }
    const ts = str(s.timestamp);
    if (ts !== null && (earliest === null || ts < earliest)) earliest = ts;

    const status = str(s.status);
    if (status === null || !STATUSES.has(status)) {
      problem(`${where}: unknown status ${JSON.stringify(s.status ?? null)}; skipped`);
      continue;
    }
    const action = str(s.action_statement);
    let rowStatus: AffectedStatus;
    let note: string | null = null;
    switch (status) {
      case 'fixed':
        rowStatus = 'fixed';
        break;
      case 'not_affected':
        rowStatus = 'not_affected';
        note = str(s.justification) ?? str(s.impact_statement);
        break;
      case 'under_investigation':
        rowStatus = 'under_investigation';
        note = str(s.status_notes);
        break;
      default:
        rowStatus = affectedStatus(action);
        note = action;
    }

    // Source purls open a group; the binary purls after them join it.
    const groups: Group[] = [];
    let current: Group | null = null;
    const products = Array.isArray(s.products) ? s.products : [];
    for (const p of products) {
      const purlText = isObject(p) ? str(p['@id']) : null;
      const purl = purlText === null ? null : parsePurl(purlText);
      if (purl === null || purl.type !== 'deb') {
        notDeb.add(purlText ?? JSON.stringify(p));
        continue;
      }
      const distro = purl.qualifiers.distro ?? '';
      if (purl.qualifiers.arch === 'source') {
        current = { name: purl.name, version: purl.version, distro, binaries: new Set() };
        groups.push(current);
        continue;
      }
      const owner =
        current !== null && current.distro === distro && current.version === purl.version
          ? current
          : groups.find((g) => g.distro === distro && g.version === purl.version);
      if (owner === undefined) orphans.add(`${purl.name}@${purl.version ?? ''} (${distro})`);
      else owner.binaries.add(purl.name);
    }

    for (const g of groups) {
      const target = mapUbuntuDistro(g.distro);
      if (!target.ok) {
        badDistro.add(`${g.distro === '' ? '(no distro)' : g.distro}: ${target.why}`);
        continue;
      }
      let ranges: AffectedPackage['ranges'];
      if (rowStatus === 'fixed') {
        if (g.version === null) {
          problem(`${where}: fixed ${g.name} (${g.distro}) has no version; skipped`);
          continue;
        }
        ranges = [{ introduced: '0', fixed: g.version }];
      } else if (rowStatus === 'not_affected') ranges = [];
      else ranges = [{ introduced: '0' }];
      rows.add({
        source: UBUNTU_OPENVEX_SOURCE,
        advisoryId,
        distro: 'ubuntu',
        release: target.release,
        channel: target.channel,
        packageName: g.name,
        binaryNames: [...g.binaries].sort(),
        moduleStream: null,
        arch: null,
        scheme: 'dpkg',
        ranges,
        versions: [],
        status: rowStatus,
        severity: null,
        note,
      });
    }
  }

  const docId = str(doc['@id']);
  if (docId !== null) addRef(docId, 'ADVISORY');
  const advisory: Advisory = {
    id: advisoryId,
    source: UBUNTU_OPENVEX_SOURCE,
    cves: ids.cves,
    relatedIds: ids.others,
    title: null,
    description,
    severity: { ...UNKNOWN_SEVERITY },
    cvss: [],
    published: earliest,
    modified: str(doc.timestamp),
    withdrawn: null,
    references,
  };
  out.advisories.push(advisory);
  for (const p of rows.rows()) {
    out.affected.push(p);
    reportInvalidVersions(out, advisoryId, p);
  }
  if (rows.conflicts.length > 0) problem(`several fixed versions for one release; the highest is kept: ${rows.conflicts.join('; ')}`);
  badDistro.report(out, advisoryId, 'rows skipped for distro qualifiers that name no Ubuntu release we key');
  orphans.report(out, advisoryId, 'binary packages listed without their source package (skipped)');
  notDeb.report(out, advisoryId, 'products that are not Debian package purls (skipped)');
  return out;
}
