/**
 * SUSE OVAL (https://ftp.suse.com/pub/projects/security/oval/, `suse.linux.enterprise.15.xml`,
 * `opensuse.leap.15.5.xml`…): OVAL 5 `<oval_definitions>` read with the generic model of
 * `../shared/oval.ts`. One `vulnerability` definition per CVE:
 *
 * ```xml
 * <definition id="oval:org.opensuse.security:def:202129154" version="1" class="vulnerability">
 *  <metadata><title>CVE-2021-29154</title>
 *   <affected family="unix"><platform>SUSE Linux Enterprise Server 15 SP2</platform>…</affected>
 *   <reference ref_id="SUSE CVE-2021-29154" ref_url="https://www.suse.com/security/cve/CVE-2021-29154" source="SUSE CVE"/>
 *   <reference ref_id="SUSE-SU-2021:1573-1" ref_url="…" source="SUSE-SU"/>
 *   <advisory from="security@suse.de"><issued date="2021-04-30"/><updated date="2021-07-14"/><severity>Important</severity>
 *    <cve impact="important" cvss3="7/CVSS:3.1/AV:L/…" href="https://www.suse.com/security/cve/CVE-2021-29154/">CVE-2021-29154</cve>
 *    <affected_cpe_list><cpe>cpe:/o:suse:sles:15:sp2</cpe>…</affected_cpe_list></advisory>
 *  </metadata>
 *  <criteria operator="OR">
 *   <criteria operator="AND">
 *    <criterion test_ref="…" comment="SUSE Linux Enterprise Server 15 SP1-LTSS is installed"/>
 *    <criteria operator="OR">
 *     <criterion test_ref="…" comment="kernel-default-4.12.14-197.89.2 is installed"/>  <!-- "< 4.12.14-197.89.2" in the test -->
 *     …
 *   <criterion test_ref="…" comment="kernel-default is not affected"/>                      <!-- version equals 0 -->
 * …
 * <rpminfo_test id="…" comment="kernel-default is &lt;4.12.14-150.72.1 for aarch64,…" check="all">
 *   <object object_ref="…"/><state state_ref="…"/></rpminfo_test>
 * <rpminfo_object id="…"><name>kernel-default</name></rpminfo_object>
 * <rpminfo_state id="…"><arch operation="pattern match">(aarch64|ppc64le|s390x|x86_64)</arch>
 *   <evr datatype="evr_string" operation="less than">0:4.12.14-150.72.1</evr></rpminfo_state>
 * ```
 *
 * Packages are binary RPM names (`kernel-default`, `krb5-client`).
 */
export type { OvalCriterion, OvalDefinition, OvalDocument, OvalState, OvalTest } from '../shared/oval.js';

/** Criterion comments SUSE writes. */
export const SUSE_CRITERION = {
  /** A product check: the name before " is installed" has spaces (`SUSE Linux Enterprise Server 15 SP1-LTSS`). */
  product: /^(.+ .+) is installed$/,
  /** `kernel-default-4.12.14-150.72.1 is installed`: name-version-release, affected below that version. */
  installedNvr: /^(\S+)-([^-\s]+)-([^-\s]+) is installed$/,
  notAffected: /^(\S+) is not affected$/,
  affected: /^(\S+) is affected$/,
  signed: /^\S+ is signed with .+ key$/,
} as const;
