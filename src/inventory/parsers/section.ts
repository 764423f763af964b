import type { InstalledPackage } from '../../domain/inventory.js';

/** What a package-section parser returns: the packages it read and one warning per line or stanza it could not. */
export interface PackageSectionResult {
  packages: InstalledPackage[];
  warnings: string[];
}

/** Splits section text into lines once, dropping the `\r` of CRLF line ends. */
export function splitLines(data: string): string[] {
  const lines = data.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** True when data[start, end) holds only spaces and tabs (or nothing). */
export function isBlankRange(data: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const c = data.charCodeAt(k);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

const MAX_QUOTED = 120;

/** A line quoted for a warning message, cut short so one huge line cannot bloat the ingest summary. */
export function quoteLine(line: string): string {
  return JSON.stringify(line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line);
}
