import type { InstalledPackage } from '../../domain/inventory.js';
import { type PackageSectionResult, quoteLine, splitLines } from './section.js';

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
  const lines = splitLines(data);
  let st: Stanza | null = null;

  const finish = (s: Stanza): void => {
    if (s.name === null || s.version === null) {
      const missing = [s.name === null ? 'P:' : null, s.version === null ? 'V:' : null].filter((x) => x !== null).join(' and ');
      warnings.push(`line ${s.line}: stanza${s.name === null ? '' : ` for ${s.name}`} has no ${missing} line`);
      return;
    }
    packages.push(makeApkPackage(s.name, s.version, s.arch, s.origin));
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      if (st !== null) finish(st);
      st = null;
      continue;
    }
    st ??= { line: i + 1, name: null, version: null, arch: null, origin: null };
    if (line.length < 2 || line.charCodeAt(1) !== 0x3a /* ':' */) {
      warnings.push(`line ${i + 1}: not an "X:value" line: ${quoteLine(line)}`);
      continue;
    }
    const value = line.slice(2);
    switch (line.charAt(0)) {
      case 'P':
        st.name = emptyToNull(value);
        break;
      case 'V':
        st.version = emptyToNull(value);
        break;
      case 'A':
        st.arch = emptyToNull(value);
        break;
      case 'o':
        st.origin = emptyToNull(value);
        break;
      default:
        break;
    }
  }
  if (st !== null) finish(st);
  return { packages, warnings };
}
