/** Vulnerability id helpers shared by the parsers. Pure. */

/** A plain CVE id. */
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** `CVE-…`, or a database-prefixed CVE id (`UBUNTU-CVE-…`, `DEBIAN-CVE-…`, `ALPINE-CVE-…`). */
const PREFIXED_CVE = /^(?:[A-Z][A-Z0-9]*-)?(CVE-\d{4}-\d{4,})$/;

/** The CVE id an id refers to (`UBUNTU-CVE-2021-3782` → `CVE-2021-3782`), or null. */
export function cveOf(id: string): string | null {
  const m = PREFIXED_CVE.exec(id);
  return m ? m[1]! : null;
}

/** Collects ids into CVEs and other ids, unique and sorted. */
export class IdSet {
  private readonly cveSet = new Set<string>();
  private readonly otherSet = new Set<string>();

  constructor(private readonly self: string | null = null) {}

  add(id: string): void {
    const cve = cveOf(id);
    if (cve !== null) this.cveSet.add(cve);
    else if (id !== this.self) this.otherSet.add(id);
  }

  addAll(ids: Iterable<string>): void {
    for (const id of ids) this.add(id);
  }

  get cves(): string[] {
    return [...this.cveSet].sort(compareIds);
  }

  get others(): string[] {
    return [...this.otherSet].sort(compareIds);
  }
}

/**
 * Orders ids with embedded numbers numerically (`CVE-2023-999` before `CVE-2023-1000`),
 * everything else by code unit; a total order, ties broken by plain comparison.
 */
export function compareIds(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ie = i;
      while (ie < a.length && isDigit(a.charCodeAt(ie))) ie++;
      let je = j;
      while (je < b.length && isDigit(b.charCodeAt(je))) je++;
      const na = a.slice(i, ie).replace(/^0+/, '');
      const nb = b.slice(j, je).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ie;
      j = je;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  if (a.length - i !== b.length - j) return a.length - i - (b.length - j);
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
