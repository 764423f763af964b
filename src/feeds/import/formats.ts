/**
 * The feed formats the importer knows: how to recognize a file by its content, which
 * source id its records belong to, and which parser reads it. Adding a source or format
 * is one entry in FORMATS (and removing its line from KNOWN_UNSUPPORTED, if it has one).
 *
 * Source ids (what `feed_sources`, `mamori feeds status` and sync use):
 *
 * | source id                 | records                          | format(s)                        |
 * |---------------------------|----------------------------------|----------------------------------|
 * | `osv:<family>`            | OSV records of one ecosystem family: `osv:AlmaLinux`, `osv:Rocky Linux`, `osv:Red Hat`, `osv:Debian`, `osv:Ubuntu`, `osv:Alpine`, `osv:SUSE`, `osv:openSUSE` | OSV JSON (one record or an array) |
 * | `debian-tracker`          | Debian tracker, per CVE          | tracker JSON                     |
 * | `debian-dsa`, `debian-dla`, `debian-dtsa` | DSA / DLA / DTSA entries | tracker list text        |
 * | `alpine-secdb`            | Alpine secdb, per id             | secdb JSON or YAML               |
 * | `redhat-oval`             | Red Hat OVAL v2 definitions      | OVAL XML (streamed when large; release hint from `rhel-<N>` in the name) |
 * | `redhat-csaf`, `redhat-vex`, `rocky-csaf`, `rocky-vex` | CSAF advisories / VEX by publisher | CSAF 2.0 JSON |
 * | `redhat-securitydata`     | Red Hat Security Data API, per CVE | JSON                           |
 * | `ubuntu-openvex`          | Ubuntu OpenVEX, per CVE          | OpenVEX JSON                     |
 * | `suse-oval`               | SUSE OVAL definitions            | OVAL XML (streamed when large)   |
 * | `nvd`, `kev`, `epss`      | per-CVE enrichments              | NVD API 2.0 JSON, KEV JSON, EPSS CSV |
 *
 * Detection looks at the first 64 KiB of a file (after decompression) for markers no
 * other format has; see `detect` of each entry. Files that match none are skipped with
 * a reason, never guessed at.
 */
import type { FeedParseResult } from '../../domain/advisory.js';
import { parseAlpineSecdbJson, parseAlpineSecdbYaml } from '../alpine-secdb/parse.js';
import { parseDebianAdvisoryList } from '../debian-tracker/parse-lists.js';
import { parseDebianTracker } from '../debian-tracker/parse.js';
import { parseEpssCsv } from '../epss/parse.js';
import { parseKev } from '../kev/parse.js';
import { parseNvd } from '../nvd/parse.js';
import { mapEcosystem } from '../osv/ecosystem.js';
import { parseOsv } from '../osv/parse.js';
import { CSAF_SOURCES, parseCsaf } from '../redhat-csaf/parse.js';
import { parseRedHatOval, parseRedHatOvalStream } from '../redhat-oval/parse.js';
import { parseRedHatSecurityData } from '../redhat-securitydata/parse.js';
import { parseSuseOval, parseSuseOvalStream } from '../suse-oval/parse.js';
import { parseUbuntuOpenVex } from '../ubuntu-openvex/parse.js';

export type SourceKind = 'advisories' | 'enrichments';

/** What detection says about one file. */
export type Detection = { sourceId: string; format: FeedFormat } | { skip: string };

export interface FeedFormat {
  /** For messages: `OSV JSON`. */
  readonly name: string;
  readonly kind: SourceKind;
  /** The source ids this format's records belong to; the first format listing an id reads its unrecognized files. */
  readonly sources: readonly string[];
  /**
   * The source id of a file in this format, from its first 64 KiB as text (`head`) and
   * all of its bytes (rarely needed; null for a streamed file); null when the file is not
   * in this format.
   */
  detect(head: string, data: Uint8Array | null): string | null;
  /** `name` is the file (or archive entry) name, for formats that take a hint from it. */
  parse(data: Uint8Array, name?: string): FeedParseResult;
  /** For formats whose files can outgrow memory (OVAL streams): parse from chunks. */
  parseStream?(chunks: AsyncIterable<Uint8Array>, name: string): Promise<FeedParseResult>;
}

export const OSV_FAMILIES = ['AlmaLinux', 'Rocky Linux', 'Red Hat', 'Debian', 'Ubuntu', 'Alpine', 'SUSE', 'openSUSE'] as const;

const OSV_SOURCES: readonly string[] = OSV_FAMILIES.map((f) => `osv:${f}`);

const ECOSYSTEM = /"ecosystem"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** The OSV source of a record from the first ecosystem we map, else from a full parse (id prefix). */
function osvSource(head: string, data: Uint8Array | null): string | null {
  for (const m of head.matchAll(ECOSYSTEM)) {
    const t = mapEcosystem(m[1]!);
    if (t !== null) return `osv:${t.family}`;
  }
  if (data === null) return null;
  try {
    const source = parseOsv(data).advisories[0]?.source;
    return source !== undefined && OSV_SOURCES.includes(source) ? source : null;
  } catch {
    return null;
  }
}

const LIST_ENTRY = /^\[\d{1,2} [A-Z][a-z]{2} \d{4}\]\s+(DSA|DLA|DTSA)-\d/m;

const isJson = (head: string): boolean => head.startsWith('{') || head.startsWith('[');
const isOval = (head: string): boolean => head.startsWith('<') && /<oval_definitions[\s>]/.test(head);

/** `rhel-8.oval.xml(.bz2)` → release 8, for definitions that name no release. */
function ovalOptions(name: string | undefined): { release?: string } {
  const m = name === undefined ? null : /rhel-(\d+)[^/]*$/.exec(name);
  return m ? { release: m[1]! } : {};
}

/** CSAF by publisher and category, as the parser decides it. */
function csafSource(head: string): string | null {
  if (!isJson(head) || !/"csaf_version"\s*:/.test(head)) return null;
  const vex = /"category"\s*:\s*"csaf_vex"/.test(head);
  const publisher = /"publisher"\s*:\s*\{[^}]*\}/.exec(head)?.[0] ?? '';
  const vendor = /redhat\.com|Red Hat/i.test(publisher) ? CSAF_SOURCES.redhat : /ciq\.com|Ctrl IQ/i.test(publisher) ? CSAF_SOURCES.rocky : null;
  if (vendor === null) return null;
  return vex ? vendor.vex : vendor.advisory;
}

/** In detection order: the first format whose `detect` answers wins. */
export const FORMATS: readonly FeedFormat[] = [
  {
    name: 'EPSS CSV',
    kind: 'enrichments',
    sources: ['epss'],
    detect: (head) => (/^#model_version:/.test(head) || /^cve,epss,percentile\s*$/im.test(head.slice(0, 200)) ? 'epss' : null),
    parse: parseEpssCsv,
  },
  {
    name: 'Debian DSA/DLA list',
    kind: 'advisories',
    sources: ['debian-dsa', 'debian-dla', 'debian-dtsa'],
    detect: (head) => {
      const m = LIST_ENTRY.exec(head);
      return m === null ? null : `debian-${m[1]!.toLowerCase()}`;
    },
    parse: parseDebianAdvisoryList,
  },
  {
    name: 'CISA KEV JSON',
    kind: 'enrichments',
    sources: ['kev'],
    detect: (head) => (isJson(head) && /"vulnerabilities"\s*:\s*\[/.test(head) && /"cveID"\s*:/.test(head) ? 'kev' : null),
    parse: parseKev,
  },
  {
    name: 'NVD CVE API 2.0 JSON',
    kind: 'enrichments',
    sources: ['nvd'],
    detect: (head) =>
      isJson(head) && (/"format"\s*:\s*"NVD_CVE"/.test(head) || /"sourceIdentifier"\s*:/.test(head) || (/"resultsPerPage"\s*:/.test(head) && /"totalResults"\s*:/.test(head)))
        ? 'nvd'
        : null,
    parse: parseNvd,
  },
  {
    name: 'OSV JSON',
    kind: 'advisories',
    sources: OSV_SOURCES,
    detect: (head, data) =>
      isJson(head) && (/"schema_version"\s*:/.test(head) || (/"id"\s*:/.test(head) && /"(affected|modified)"\s*:/.test(head))) ? osvSource(head, data) : null,
    parse: parseOsv,
  },
  {
    name: 'Alpine secdb JSON',
    kind: 'advisories',
    sources: ['alpine-secdb'],
    detect: (head) => (isJson(head) && /"distroversion"\s*:/.test(head) && /"packages"\s*:/.test(head) ? 'alpine-secdb' : null),
    parse: parseAlpineSecdbJson,
  },
  {
    name: 'Alpine secdb YAML',
    kind: 'advisories',
    sources: ['alpine-secdb'],
    detect: (head) => (!isJson(head) && /^distroversion\s*:/m.test(head) && /^(packages|reponame)\s*:/m.test(head) ? 'alpine-secdb' : null),
    parse: parseAlpineSecdbYaml,
  },
  {
    name: 'Red Hat OVAL XML',
    kind: 'advisories',
    sources: ['redhat-oval'],
    detect: (head) => (isOval(head) && /Red Hat|redhat/.test(head) ? 'redhat-oval' : null),
    parse: (data, name) => parseRedHatOval(data, ovalOptions(name)),
    parseStream: (chunks, name) => parseRedHatOvalStream(chunks, ovalOptions(name)),
  },
  {
    name: 'SUSE OVAL XML',
    kind: 'advisories',
    sources: ['suse-oval'],
    detect: (head) => (isOval(head) && /SUSE|openSUSE/.test(head) ? 'suse-oval' : null),
    parse: (data) => parseSuseOval(data),
    parseStream: (chunks) => parseSuseOvalStream(chunks),
  },
  {
    name: 'CSAF 2.0 JSON',
    kind: 'advisories',
    sources: [CSAF_SOURCES.redhat.advisory, CSAF_SOURCES.redhat.vex, CSAF_SOURCES.rocky.advisory, CSAF_SOURCES.rocky.vex],
    detect: csafSource,
    parse: (data) => parseCsaf(data),
  },
  {
    name: 'Ubuntu OpenVEX JSON',
    kind: 'advisories',
    sources: ['ubuntu-openvex'],
    detect: (head) => (isJson(head) && /"@context"\s*:\s*"https:\/\/openvex\.dev\/ns/.test(head) && /Canonical|ubuntu/i.test(head) ? 'ubuntu-openvex' : null),
    parse: (data) => parseUbuntuOpenVex(data),
  },
  {
    name: 'Red Hat Security Data JSON',
    kind: 'advisories',
    sources: ['redhat-securitydata'],
    detect: (head) =>
      isJson(head) && /"threat_severity"\s*:/.test(head) && /"(affected_release|package_state|bugzilla|public_date)"\s*:/.test(head) ? 'redhat-securitydata' : null,
    parse: (data) => parseRedHatSecurityData(data),
  },
  {
    name: 'Debian security tracker JSON',
    kind: 'advisories',
    sources: ['debian-tracker'],
    detect: (head) =>
      head.startsWith('{') && /"releases"\s*:\s*\{/.test(head) && /"(CVE-\d{4}-\d+|TEMP-[0-9A-Fa-f-]+)"\s*:\s*\{/.test(head) ? 'debian-tracker' : null,
    parse: parseDebianTracker,
  },
];

/**
 * Documents we recognize but do not import (yet), so they are skipped with a precise
 * reason instead of "unrecognized". A format listed here moves to FORMATS when its
 * parser exists.
 */
const KNOWN_UNSUPPORTED: readonly { test: (head: string) => boolean; reason: string }[] = [
  { test: (h) => isJson(h) && /"\$schema"\s*:/.test(h) && /"properties"\s*:/.test(h), reason: 'a JSON Schema, not feed data' },
  { test: (h) => isJson(h) && /"NamespaceName"\s*:\s*"debian:/.test(h), reason: 'legacy per-release Debian JSON (Clair format) is not supported; use the tracker JSON' },
  { test: (h) => isJson(h) && /"major-version"\s*:/.test(h) && /"support"\s*:/.test(h), reason: 'Debian release table (distributions.json), not advisories' },
  { test: (h) => /^cveID,vendorProject,/m.test(h.slice(0, 500)), reason: 'CISA KEV CSV; import the KEV JSON catalog instead' },
  { test: (h) => /^CVE-\d{4}-(\d+|XXXX)\s/m.test(h) && /^\t(\[|-|NOTE:)/m.test(h), reason: 'Debian tracker CVE list text is not supported; use the tracker JSON' },
  { test: (h) => isJson(h) && /"csaf_version"\s*:/.test(h), reason: 'CSAF document of a publisher we do not read (Red Hat and CIQ are read)' },
  { test: (h) => isJson(h) && /"@context"\s*:\s*"https:\/\/openvex\.dev\/ns/.test(h), reason: 'OpenVEX document of a publisher we do not read (Ubuntu is read)' },
  { test: isOval, reason: 'OVAL document of a vendor we do not read (Red Hat and SUSE are read)' },
  { test: (h) => isJson(h) && /"(repository|nvr)"/.test(h) && /cpe:\/[ao]:redhat/.test(h) && !/"threat_severity"/.test(h), reason: 'Red Hat CPE mapping, not advisories' },
];

const HEAD_BYTES = 64 * 1024;

export function headOf(data: Uint8Array): string {
  const text = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, HEAD_BYTES)).toString('utf8');
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).trimStart();
}

/** Which source and format a file belongs to, by content; or why it is skipped. */
export function detectFormat(data: Uint8Array): Detection {
  return detectHead(data, data);
}

/** The same from the first bytes of a file (`data`: all of it when at hand, else null). */
export function detectHead(first: Uint8Array, data: Uint8Array | null): Detection {
  const head = headOf(first);
  if (head === '') return { skip: 'empty file' };
  if (head.includes('\u0000')) return { skip: 'binary content (not a feed document)' };
  for (const format of FORMATS) {
    const sourceId = format.detect(head, data);
    if (sourceId !== null) return { sourceId, format };
  }
  for (const k of KNOWN_UNSUPPORTED) if (k.test(head)) return { skip: k.reason };
  if (isJson(head) && /"(ecosystem|schema_version)"\s*:/.test(head)) return { skip: 'OSV record of no supported distribution ecosystem' };
  return { skip: 'unrecognized content (not a known feed format)' };
}

/** Every source id the importer accepts, with what it holds. */
export const SOURCES: Readonly<Record<string, SourceKind>> = Object.fromEntries(FORMATS.flatMap((f) => f.sources.map((id) => [id, f.kind])));

/** The format to read a file of `sourceId` with when detection does not recognize it (a broken download). */
export function defaultFormatOf(sourceId: string): FeedFormat | undefined {
  return FORMATS.find((f) => f.sources.includes(sourceId));
}

export function sourceKindOf(sourceId: string): SourceKind | undefined {
  return Object.hasOwn(SOURCES, sourceId) ? SOURCES[sourceId] : undefined;
}
