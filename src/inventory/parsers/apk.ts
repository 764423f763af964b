import type { InstalledPackage } from '../../domain/inventory.js';
import { isBlankRange, type PackageSectionResult, quoteLine } from './section.js';

/*
 * `apk-installed`: /lib/apk/db/installed, stanzas of `X:value` lines separated by blank lines.
 * We read P (name), V (version), A (arch) and o (origin, the source package); every other
 * letter (files, checksums, dependencies, …) is ignored, so the full file and the agent's
 * reduced one parse alike. Version syntax is not checked here (see src/versioning/).
 */

interface Stanza {
  line: number;
  name: string | null;
  version: string | null;
  arch: string | null;
  origin: string | null;
}

function emptyToNull(s: string): string | null {
  return s === '' ? null : s;
}

/** Builds an apk InstalledPackage: apk versions have no epoch or separate release; the origin shares V. */
export function makeApkPackage(name: string, version: string, arch: string | null, origin: string | null): InstalledPackage {
  return {
    manager: 'apk',
    name,
    epoch: null,
    version,
    release: null,
    evr: version,
    arch,
    sourceName: origin,
    sourceVersion: origin === null ? null : version,
    vendor: null,
    modularityLabel: null,
    unparsedReason: null,
  };
}

/** Parses an `apk-installed` section. A stanza without P: or V: is reported and skipped. */
export function parseApkInstalled(data: string): PackageSectionResult {
  const packages: InstalledPackage[] = [];
  const warnings: string[] = [];
  let st: Stanza | null = null;

  const finish = (s: Stanza): void => {
    if (s.name === null || s.version === null) {
      const missing = [s.name === null ? 'P:' : null, s.version === null ? 'V:' : null].filter((x) => x !== null).join(' and ');
      warnings.push(`line ${s.line}: stanza${s.name === null ? '' : ` for ${s.name}`} has no ${missing} line`);
      return;
    }
    packages.push(makeApkPackage(s.name, s.version, s.arch, s.origin));
  };

  // Walk the lines without allocating the ones we skip (F:, R:, Z:, … are most of a full database).
  let lineNo = 0;
  for (let pos = 0; pos < data.length; ) {
    let next = data.indexOf('\n', pos);
    if (next < 0) next = data.length;
    const end = next > pos && data.charCodeAt(next - 1) === 0x0d ? next - 1 : next;
    next++;
    lineNo++;
    if (isBlankRange(data, pos, end)) {
      if (st !== null) finish(st);
      st = null;
    } else {
      st ??= { line: lineNo, name: null, version: null, arch: null, origin: null };
      if (end - pos < 2 || data.charCodeAt(pos + 1) !== 0x3a /* ':' */) {
        warnings.push(`line ${lineNo}: not an "X:value" line: ${quoteLine(data.slice(pos, end))}`);
      } else {
        switch (data.charCodeAt(pos)) {
          case 0x50 /* P */:
            st.name = emptyToNull(data.slice(pos + 2, end));
            break;
          case 0x56 /* V */:
            st.version = emptyToNull(data.slice(pos + 2, end));
            break;
          case 0x41 /* A */:
            st.arch = emptyToNull(data.slice(pos + 2, end));
            break;
          case 0x6f /* o */:
            st.origin = emptyToNull(data.slice(pos + 2, end));
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
