/**
 * Ubuntu codenames → release keys (`VERSION_ID`, as OSV's `Ubuntu:22.04:LTS` and
 * os-release write them), from Ubuntu's distro-info-data `ubuntu.csv`; and OpenVEX `distro`
 * qualifiers → (release, channel) per `domain/advisory.ts`: Ubuntu Pro pockets become the
 * `pro…` channels.
 */

const CODENAME_TO_RELEASE: Readonly<Record<string, string>> = {
  warty: '4.10',
  hoary: '5.04',
  breezy: '5.10',
  dapper: '6.06',
  edgy: '6.10',
  feisty: '7.04',
  gutsy: '7.10',
  hardy: '8.04',
  intrepid: '8.10',
  jaunty: '9.04',
  karmic: '9.10',
  lucid: '10.04',
  maverick: '10.10',
  natty: '11.04',
  oneiric: '11.10',
  precise: '12.04',
  quantal: '12.10',
  raring: '13.04',
  saucy: '13.10',
  trusty: '14.04',
  utopic: '14.10',
  vivid: '15.04',
  wily: '15.10',
  xenial: '16.04',
  yakkety: '16.10',
  zesty: '17.04',
  artful: '17.10',
  bionic: '18.04',
  cosmic: '18.10',
  disco: '19.04',
  eoan: '19.10',
  focal: '20.04',
  groovy: '20.10',
  hirsute: '21.04',
  impish: '21.10',
  jammy: '22.04',
  kinetic: '22.10',
  lunar: '23.04',
  mantic: '23.10',
  noble: '24.04',
  oracular: '24.10',
  plucky: '25.04',
  questing: '25.10',
};

/** `jammy` → `22.04`; null for an unknown codename. */
export function ubuntuReleaseOf(codename: string): string | null {
  return Object.hasOwn(CODENAME_TO_RELEASE, codename) ? CODENAME_TO_RELEASE[codename]! : null;
}

/**
 * Ubuntu Pro pockets → channel:
 *
 * | pocket                     | channel               |
 * |----------------------------|-----------------------|
 * | (none)                     | null                  |
 * | `esm-infra`, `esm-apps`    | `pro`                 |
 * | `esm-infra-legacy`         | `pro:legacy`          |
 * | `fips`                     | `pro:fips`            |
 * | `fips-updates`             | `pro:fips-updates`    |
 * | `fips-preview`             | `pro:fips-preview`    |
 * | `realtime`                 | `pro:realtime-kernel` |
 */
const POCKET_CHANNEL: Readonly<Record<string, string>> = {
  'esm-infra': 'pro',
  'esm-apps': 'pro',
  'esm-infra-legacy': 'pro:legacy',
  fips: 'pro:fips',
  'fips-updates': 'pro:fips-updates',
  'fips-preview': 'pro:fips-preview',
  realtime: 'pro:realtime-kernel',
};

export type DistroQualifier = { ok: true; release: string; channel: string | null } | { ok: false; why: string };

/** `jammy` → 22.04; `esm-infra/xenial` → 16.04 `pro`. */
export function mapUbuntuDistro(distro: string): DistroQualifier {
  const slash = distro.lastIndexOf('/');
  const codename = slash < 0 ? distro : distro.slice(slash + 1);
  const pocket = slash < 0 ? null : distro.slice(0, slash);
  const release = ubuntuReleaseOf(codename);
  if (release === null) return { ok: false, why: `unknown codename "${codename}"` };
  if (pocket === null) return { ok: true, release, channel: null };
  const channel = Object.hasOwn(POCKET_CHANNEL, pocket) ? POCKET_CHANNEL[pocket]! : null;
  if (channel === null) return { ok: false, why: `unknown pocket "${pocket}"` };
  return { ok: true, release, channel };
}
