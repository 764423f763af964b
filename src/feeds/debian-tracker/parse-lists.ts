/**
 * The security tracker's advisory lists (`data/DSA/list`, `data/DLA/list`, `data/DTSA/list`)
 * → one advisory per DSA/DLA with the fixed source version per release. Pure.
 *
 * ```
 * [29 Mar 2023] DSA-5380-1 xorg-server - security update
 * 	{CVE-2023-1393}
 * 	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 * 	[woody] - zlib <not-affected> (vulnerable code introduced later)
 * 	NOTE: fixed in testing at time of DSA
 * ```
 *
 * A version fixes (`fixed`); markers map as in the tracker: `<not-affected>` →
 * `not_affected`, `<unfixed>` → `affected`, `<end-of-life>` → `end_of_life`,
 * `<no-dsa>`/`<ignored>` → `will_not_fix`, `<postponed>` → `fix_deferred`. The text in
 * trailing parentheses is kept as the note; an urgency in it (`bug #332524; medium`)
 * becomes the package's severity.
 */
import type { Advisory, AffectedPackage, AffectedStatus, FeedParseResult, VendorSeverity } from '../../domain/advisory.js';
import { IdSet } from '../shared/ids.js';
import { decodeText, invalidDocument } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { debianSeverity, UNKNOWN_SEVERITY } from '../shared/severity.js';
import { reportInvalidVersions } from '../shared/versions.js';
import { debianReleaseOf } from './releases.js';
import type { TrackerListEntry, TrackerListFix } from './types.js';

const FEED = 'Debian DSA/DLA list';

const HEADER = /^\[(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\]\s+((?:DSA|DLA|DTSA)-\d+(?:-\d+)?)(?:\s+(.*?))?\s*$/;
const FIX = /^\[([a-z0-9-]+)\]\s+-\s+(\S+)\s+(<[a-z-]+>|[^\s(]\S*)(?:\s+\((.*)\))?\s*$/;
const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

const MARKERS: Readonly<Record<string, AffectedStatus>> = {
  '<not-affected>': 'not_affected',
  '<unfixed>': 'affected',
  '<end-of-life>': 'end_of_life',
  '<no-dsa>': 'will_not_fix',
  '<ignored>': 'will_not_fix',
  '<postponed>': 'fix_deferred',
};

export function parseDebianAdvisoryList(input: string | Uint8Array): FeedParseResult {
  const text = decodeText(input, FEED);
  const out = emptyResult();
  const seen = new Set<string>();
  let entries = 0;
  for (const entry of readEntries(text, out)) {
    entries++;
    if (seen.has(entry.id)) {
      addProblem(out, entry.id, 'listed twice; the later entry was skipped');
      continue;
    }
    seen.add(entry.id);
    appendEntry(out, entry);
  }
  if (entries === 0 && text.trim() !== '') throw invalidDocument(FEED, 'no "[date] DSA-…/DLA-…" entry found');
  return out;
}

/** Splits the list into entries; lines that fit nowhere are reported. */
export function* readEntries(text: string, out: FeedParseResult): Generator<TrackerListEntry> {
  let current: TrackerListEntry | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.replace(/\r$/, '');
    const line = raw.trim();
    if (line === '') continue;
    const where = `line ${n + 1}`;
    if (!/^\s/.test(raw)) {
      const h = HEADER.exec(line);
      if (h === null) {
        addProblem(out, where, `not an advisory header: ${JSON.stringify(line.slice(0, 80))}`);
        if (current !== null) yield current;
        current = null;
        continue;
      }
      if (current !== null) yield current;
      const month = MONTHS[h[2]!];
      const day = h[1]!.padStart(2, '0');
      if (month === undefined) addProblem(out, h[4]!, `unknown month "${h[2]!}" in the date`);
      current = {
        id: h[4]!,
        date: month === undefined ? '' : `${h[3]!}-${month}-${day}`,
        title: h[5] ?? '',
        ids: [],
        fixes: [],
      };
      continue;
    }
    if (current === null) {
      addProblem(out, where, 'indented line before the first advisory header');
      continue;
    }
    if (line.startsWith('{')) {
      const ids = line.replace(/^\{|\}$/g, '').trim();
      for (const id of ids.split(/\s+/)) if (id !== '') current.ids.push(id);
    } else if (line.startsWith('[')) {
      const f = FIX.exec(line);
      if (f === null) addProblem(out, current.id, `unreadable release line: ${JSON.stringify(line)}`);
      else current.fixes.push({ codename: f[1]!, packageName: f[2]!, version: f[3]!, remark: f[4] ?? null });
    } else if (!line.startsWith('NOTE:') && !line.startsWith('TODO:')) {
      addProblem(out, current.id, `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    }
  }
  if (current !== null) yield current;
}

function sourceOf(id: string): string {
  if (id.startsWith('DSA-')) return 'debian-dsa';
  if (id.startsWith('DLA-')) return 'debian-dla';
  return 'debian-dtsa';
}

function appendEntry(out: FeedParseResult, e: TrackerListEntry): void {
  const source = sourceOf(e.id);
  const ids = new IdSet(e.id);
  ids.addAll(e.ids);
  const advisory: Advisory = {
    id: e.id,
    source,
    cves: ids.cves,
    relatedIds: ids.others,
    title: e.title === '' ? null : e.title,
    description: null,
    severity: UNKNOWN_SEVERITY,
    cvss: [],
    published: e.date === '' ? null : e.date,
    modified: null,
    withdrawn: null,
    references: [{ url: `https://security-tracker.debian.org/tracker/${e.id}`, type: 'ADVISORY' }],
  };
  out.advisories.push(advisory);
  for (const f of e.fixes) {
    const p = affectedOf(e.id, source, f, (m) => {
      addProblem(out, e.id, m);
    });
    if (p !== null) {
      out.affected.push(p);
      reportInvalidVersions(out, e.id, p);
    }
  }
}

function affectedOf(id: string, source: string, f: TrackerListFix, problem: (m: string) => void): AffectedPackage | null {
  const release = debianReleaseOf(f.codename);
  if (release === null) {
    problem(`unknown release codename "${f.codename}"; skipped`);
    return null;
  }
  let status: AffectedStatus;
  let ranges: AffectedPackage['ranges'];
  if (f.version.startsWith('<')) {
    const s = MARKERS[f.version];
    if (s === undefined) {
      problem(`unknown marker ${f.version} for ${f.packageName} in ${f.codename}; skipped`);
      return null;
    }
    status = s;
    ranges = s === 'not_affected' ? [] : [{ introduced: '0' }];
  } else {
    status = 'fixed';
    ranges = [{ introduced: '0', fixed: f.version }];
  }
  return {
    source,
    advisoryId: id,
    distro: 'debian',
    release,
    channel: null,
    packageName: f.packageName,
    binaryNames: null,
    moduleStream: null,
    arch: null,
    scheme: 'dpkg',
    ranges,
    versions: [],
    status,
    severity: urgencyIn(f.remark),
    note: f.remark,
  };
}

/** `bug #332524; medium` → medium. */
function urgencyIn(remark: string | null): VendorSeverity | null {
  if (remark === null) return null;
  for (const part of remark.split(';')) {
    const p = part.trim();
    if (/^(unimportant|low|medium|high)\**$/.test(p)) return { vendor: p, normalized: debianSeverity(p) ?? 'unknown' };
  }
  return null;
}
