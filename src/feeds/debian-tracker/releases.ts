/**
 * Debian codenames ↔ release keys (the major version, as in os-release `VERSION_ID`
 * and OSV `Debian:12`), from Debian's distro-info-data `debian.csv`. Unstable has no
 * number and keeps its name, `sid`.
 */

const CODENAME_TO_RELEASE: Readonly<Record<string, string>> = {
  buzz: '1.1',
  rex: '1.2',
  bo: '1.3',
  hamm: '2.0',
  slink: '2.1',
  potato: '2.2',
  woody: '3.0',
  sarge: '3.1',
  etch: '4',
  lenny: '5',
  squeeze: '6',
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
  sid: 'sid',
};

const RELEASE_TO_CODENAME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CODENAME_TO_RELEASE).map(([codename, release]) => [release, codename]),
);

/** `bookworm` → `12`, `sid` → `sid`; null for an unknown codename. */
export function debianReleaseOf(codename: string): string | null {
  return Object.hasOwn(CODENAME_TO_RELEASE, codename) ? CODENAME_TO_RELEASE[codename]! : null;
}

/** `12` → `bookworm`; null for an unknown release. */
export function debianCodenameOf(release: string): string | null {
  return Object.hasOwn(RELEASE_TO_CODENAME, release) ? RELEASE_TO_CODENAME[release]! : null;
}
