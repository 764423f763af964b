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

const MAX_QUOTED = 120;

/** A line quoted for a warning message, cut short so one huge line cannot bloat the ingest summary. */
export function quoteLine(line: string): string {
  return JSON.stringify(line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line);
}
