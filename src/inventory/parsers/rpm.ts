import type { InstalledPackage } from '../../domain/inventory.js';
import { type PackageSectionResult, quoteLine, splitLines } from './section.js';

/*
 * `rpm-qf-v1`: the output of
 *   rpm -qa --queryformat '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{VENDOR}\t%{MODULARITYLABEL}\n'
 * rpm prints `(none)` for an absent tag. rpm older than 4.14 has no MODULARITYLABEL, so 7-field
 * lines are accepted too. Version syntax is not checked here (see src/versioning/).
 */

const NONE = '(none)';

/** `(none)` (and an empty field) → null. */
function noneToNull(field: string | undefined): string | null {
  return field === undefined || field === '' || field === NONE ? null : field;
}

/** The comparable rpm version: `E:V-R`, `V-R`, or `V` when there is no release. */
export function formatRpmEvr(epoch: string | null, version: string, release: string | null): string {
  return `${epoch === null ? '' : `${epoch}:`}${version}${release === null ? '' : `-${release}`}`;
}

/**
 * Splits a SOURCERPM file name into the source package name and its `version-release`
 * (`vim-7.4.160-5.el7.src.rpm` → vim, 7.4.160-5.el7): strip `.src.rpm`/`.nosrc.rpm`, then the
 * last `-` starts the release and the one before it the version. Null when it is not such a name.
 */
export function splitSourceRpm(fileName: string): { name: string; version: string } | null {
  let base: string;
  if (fileName.endsWith('.src.rpm')) base = fileName.slice(0, -'.src.rpm'.length);
  else if (fileName.endsWith('.nosrc.rpm')) base = fileName.slice(0, -'.nosrc.rpm'.length);
  else return null;
  const releaseDash = base.lastIndexOf('-');
  if (releaseDash <= 0 || releaseDash === base.length - 1) return null;
  const versionDash = base.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0 || versionDash === releaseDash - 1) return null;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}

/** Parses an `rpm-qf-v1` section. Blank lines are skipped, gpg-pubkey pseudo-packages dropped, bad lines reported. */
export function parseRpmQf(data: string): PackageSectionResult {
  const packages: InstalledPackage[] = [];
  const warnings: string[] = [];
  const lines = splitLines(data);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const f = line.split('\t');
    if (f.length !== 8 && f.length !== 7) {
      warnings.push(`line ${lineNo}: expected 8 tab-separated fields (7 from rpm < 4.14), got ${f.length}: ${quoteLine(line)}`);
      continue;
    }
    const name = noneToNull(f[0]);
    if (name === null) {
      warnings.push(`line ${lineNo}: empty NAME: ${quoteLine(line)}`);
      continue;
    }
    if (name === 'gpg-pubkey') continue;
    const version = noneToNull(f[2]);
    if (version === null) {
      warnings.push(`line ${lineNo}: package ${name} has no VERSION: ${quoteLine(line)}`);
      continue;
    }
    const epoch = noneToNull(f[1]);
    const release = noneToNull(f[3]);
    const sourceRpm = noneToNull(f[5]);
    let source: { name: string; version: string } | null = null;
    if (sourceRpm !== null) {
      source = splitSourceRpm(sourceRpm);
      if (source === null) warnings.push(`line ${lineNo}: package ${name}: SOURCERPM ${JSON.stringify(sourceRpm)} is not a name-version-release.src.rpm file name`);
    }
    packages.push({
      manager: 'rpm',
      name,
      epoch,
      version,
      release,
      evr: formatRpmEvr(epoch, version, release),
      arch: noneToNull(f[4]),
      sourceName: source?.name ?? null,
      sourceVersion: source?.version ?? null,
      vendor: noneToNull(f[6]),
      modularityLabel: noneToNull(f[7]),
      unparsedReason: null,
    });
  }
  return { packages, warnings };
}
