import type { InstalledPackage } from '../../domain/inventory.js';
import { isBlankRange, type PackageSectionResult, quoteLine, splitLines } from './section.js';

/*
 * dpkg inventories: `dpkg-query-v1`, the output of
 *   dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${Status}\n'
 * and `dpkg-status`, the raw /var/lib/dpkg/status file (deb822 stanzas).
 * Both list every package dpkg knows; we keep those whose files are on disk.
 * Version syntax is not checked here (see src/versioning/).
 */

/** dpkg package states (the third word of Status) whose files are on disk. */
const ON_DISK_STATES: ReadonlySet<string> = new Set([
  'installed',
  'half-installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
]);
/** States whose files are gone (config-files keeps only conffiles); dropped without a warning. */
const GONE_STATES: ReadonlySet<string> = new Set(['not-installed', 'config-files']);

/**
 * Classifies a `want eflag status` Status value: 'keep' when the package's files are on disk,
 * 'drop' when they are not, null when the value is malformed.
 */
export function classifyDpkgStatus(status: string): 'keep' | 'drop' | null {
  const words = status.trim().split(/\s+/);
  if (words.length !== 3) return null;
  const state = words[2]!;
  if (ON_DISK_STATES.has(state)) return 'keep';
  if (GONE_STATES.has(state)) return 'drop';
  return null;
}

/**
 * Splits a dpkg version syntactically, as dpkg's parseversion does: the epoch is what precedes
 * the first `:`, the revision what follows the last `-`. Nothing is validated.
 */
export function splitDpkgVersion(version: string): { epoch: string | null; upstream: string; revision: string | null } {
  const colon = version.indexOf(':');
  const epoch = colon > 0 ? version.slice(0, colon) : null;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: null };
}

/** Builds a dpkg InstalledPackage; the source defaults to the binary's own name and version, as dpkg does. */
export function makeDpkgPackage(
  name: string,
  version: string,
  arch: string | null,
  sourceName: string | null,
  sourceVersion: string | null,
): InstalledPackage {
  const v = splitDpkgVersion(version);
  return {
    manager: 'dpkg',
    name,
    epoch: v.epoch,
    version: v.upstream,
    release: v.revision,
    evr: version,
    arch,
    sourceName: sourceName ?? name,
    sourceVersion: sourceVersion ?? version,
    vendor: null,
    modularityLabel: null,
    unparsedReason: null,
  };
}

function emptyToNull(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}

/** Parses a `dpkg-query-v1` section (6 tab-separated fields per line). */
export function parseDpkgQuery(data: string): PackageSectionResult {
  const packages: InstalledPackage[] = [];
  const warnings: string[] = [];
  const lines = splitLines(data);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const f = line.split('\t');
    if (f.length !== 6) {
      warnings.push(`line ${lineNo}: expected 6 tab-separated fields, got ${f.length}: ${quoteLine(line)}`);
      continue;
    }
    const [name, version, arch, srcName, srcVersion, status] = f as [string, string, string, string, string, string];
    if (name === '') {
      warnings.push(`line ${lineNo}: empty Package: ${quoteLine(line)}`);
      continue;
    }
    const keep = classifyDpkgStatus(status);
    if (keep === null) {
      warnings.push(`line ${lineNo}: package ${name} has an unrecognised Status ${JSON.stringify(status)}`);
      continue;
    }
    if (keep === 'drop') continue;
    if (version === '') {
      warnings.push(`line ${lineNo}: package ${name} has no Version`);
      continue;
    }
    packages.push(makeDpkgPackage(name, version, emptyToNull(arch), emptyToNull(srcName), emptyToNull(srcVersion)));
  }
  return { packages, warnings };
}

/** Parses a Source field: `name` or, for binNMUs and other version skews, `name (version)`. */
function parseSourceField(value: string): { name: string; version: string | null } | null {
  const v = value.trim();
  const space = v.indexOf(' ');
  if (space < 0) return v === '' ? null : { name: v, version: null };
  const rest = v.slice(space).trim();
  if (!rest.startsWith('(') || !rest.endsWith(')')) return null;
  return { name: v.slice(0, space), version: emptyToNull(rest.slice(1, -1).trim()) };
}

/** First letters of the fields we read (Package, Status, Version, Architecture, Source), either case. */
function isWantedField(firstChar: number): boolean {
  const c = firstChar | 0x20;
  return c === 0x70 /* p */ || c === 0x73 /* s */ || c === 0x76 /* v */ || c === 0x61 /* a */;
}

interface Stanza {
  line: number;
  package: string | null;
  status: string | null;
  version: string | null;
  architecture: string | null;
  source: string | null;
}

/** Parses a raw dpkg status file: deb822 stanzas separated by blank lines, with continuation lines. */
export function parseDpkgStatus(data: string): PackageSectionResult {
  const packages: InstalledPackage[] = [];
  const warnings: string[] = [];
  let st: Stanza | null = null;

  const finish = (s: Stanza): void => {
    if (s.package === null) {
      warnings.push(`line ${s.line}: stanza has no Package field`);
      return;
    }
    if (s.status === null) {
      warnings.push(`line ${s.line}: package ${s.package} has no Status field`);
      return;
    }
    const keep = classifyDpkgStatus(s.status);
    if (keep === null) {
      warnings.push(`line ${s.line}: package ${s.package} has an unrecognised Status ${JSON.stringify(s.status)}`);
      return;
    }
    if (keep === 'drop') return;
    if (s.version === null) {
      warnings.push(`line ${s.line}: package ${s.package} has no Version field`);
      return;
    }
    let sourceName: string | null = null;
    let sourceVersion: string | null = null;
    if (s.source !== null) {
      const src = parseSourceField(s.source);
      if (src === null) warnings.push(`line ${s.line}: package ${s.package}: malformed Source ${JSON.stringify(s.source)}`);
      else {
        sourceName = src.name;
        sourceVersion = src.version;
      }
    }
    packages.push(makeDpkgPackage(s.package, s.version, s.architecture, sourceName, sourceVersion));
  };

  // Walk the lines without allocating the ones we skip (descriptions and conffiles are most of the file).
  let lineNo = 0;
  for (let pos = 0; pos < data.length; ) {
    let next = data.indexOf('\n', pos);
    if (next < 0) next = data.length;
    const end = next > pos && data.charCodeAt(next - 1) === 0x0d ? next - 1 : next;
    next++;
    lineNo++;
    const first = data.charCodeAt(pos);
    if (isBlankRange(data, pos, end)) {
      if (st !== null) finish(st);
      st = null;
    } else if (first === 0x20 || first === 0x09) {
      // Continuation of a multi-line field (Description, Conffiles, …): none we read.
      if (st === null) warnings.push(`line ${lineNo}: continuation line outside a stanza`);
    } else {
      st ??= { line: lineNo, package: null, status: null, version: null, architecture: null, source: null };
      let colon = pos;
      while (colon < end && data.charCodeAt(colon) !== 0x3a /* ':' */) colon++;
      if (colon === pos || colon === end) {
        warnings.push(`line ${lineNo}: not a "Field: value" line: ${quoteLine(data.slice(pos, end))}`);
      } else if (isWantedField(first)) {
        const value = data.slice(colon + 1, end).trim();
        // Field names are case-insensitive (deb822(5)).
        switch (data.slice(pos, colon).toLowerCase()) {
          case 'package':
            st.package = emptyToNull(value);
            break;
          case 'status':
            st.status = value;
            break;
          case 'version':
            st.version = emptyToNull(value);
            break;
          case 'architecture':
            st.architecture = emptyToNull(value);
            break;
          case 'source':
            st.source = value;
            break;
          default:
            break;
        }
      }
    }
    pos = next;
  }
  if (st !== null) finish(st);
  return { packages, warnings };
}
