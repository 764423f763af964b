/**
 * SUSE Linux Enterprise (SLES, SLED, SLES for SAP) and openSUSE (Leap, Tumbleweed).
 *
 * - Keys: SUSE OVAL names each binary RPM (`kernel-default`, `krb5-client`), so a row applies
 *   to the installed binary of that name, compared by its rpm EVR. SUSE's OSV records may name
 *   the source package and list the binaries built from it (`ecosystem_specific.binaries`):
 *   such a row is also found through the binary's SOURCERPM name, when it lists that binary.
 * - Channels (`domain/advisory.ts`): rows of the base product (`null`), of SUSE's modules
 *   (`module-basesystem`, `module-server-applications`…, part of every SLE subscription) and of
 *   add-on products (`workstation-extension`, `software-development-kit`…) apply: an add-on's
 *   packages are only installed where the add-on is. Rows of the separately sold
 *   support streams of a service pack — LTSS (`ltss`, also `…-ltss-extended-security`),
 *   Business Critical Linux (`bcl`), ESPOS (`espos`) and Teradata (`teradata`) — do not: they
 *   describe builds a host without that entitlement cannot install (as RHEL EUS/AUS rows in
 *   `redhat.ts`), which we cannot see from the host. openSUSE Leap's `nonfree` repository is
 *   free and applies.
 * - Preference: SUSE OVAL (`suse-oval`: SUSE's per-CVE statements, including "not affected")
 *   decides; SUSE's OSV records (`osv:SUSE`, `osv:openSUSE`, per SUSE-SU/openSUSE-SU update,
 *   fixed versions only) add their advisory ids, and decide when the OVAL has no row.
 * - Remediation: `zypper refresh && zypper update <packages>` on SUSE Linux Enterprise and
 *   Leap: it installs the newest build of exactly the affected packages from the update
 *   repositories (what `dnf upgrade <packages>` and `apt-get install --only-upgrade` do for
 *   the other families; `zypper patch --cve=…` would need the CVE list, and SUSE's patch names
 *   are not the SUSE-SU ids the advisories carry). Tumbleweed is only supported as a whole:
 *   `zypper refresh && zypper dist-upgrade`.
 */
import type { MatchPackage, MatchableRow, MatchTarget } from '../types.js';
import { archApplies, type Driver, type PackageKey } from './driver.js';

/** Support streams sold apart from the product (a channel or one of its `-`/`:` parts). */
const ENTITLED_STREAMS: ReadonlySet<string> = new Set(['ltss', 'bcl', 'espos', 'teradata']);

export function suseChannelApplies(channel: string | null): boolean {
  return channel === null || !channel.split(/[-:]/).some((part) => ENTITLED_STREAMS.has(part));
}

const PREFERENCE = ['suse-oval', 'osv:SUSE', 'osv:openSUSE'];

export const suseDriver: Driver = {
  family: 'suse',
  keys(p: MatchPackage) {
    const keys: PackageKey[] = [{ name: p.name, version: p.evr }];
    if (p.sourceName !== null && p.sourceName !== p.name) {
      keys.push({ name: p.sourceName, version: p.evr, accepts: (row: MatchableRow) => row.binaryNames?.includes(p.name) === true });
    }
    return keys;
  },
  applies: (row: MatchableRow, p: MatchPackage) => suseChannelApplies(row.channel) && archApplies(row, p),
  sourceRank: (source) => {
    const i = PREFERENCE.indexOf(source);
    return i < 0 ? PREFERENCE.length : i;
  },
  remediation(target: MatchTarget, packages: string[]): string {
    if (target.distro === 'opensuse-tumbleweed') return 'zypper refresh && zypper dist-upgrade';
    return `zypper refresh && zypper update ${packages.join(' ')}`;
  },
};
