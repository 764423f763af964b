/**
 * Red Hat OVAL v2 (https://access.redhat.com/security/data/oval/v2/, `rhel-8.oval.xml.bz2`,
 * `rhel-8-including-unpatched.oval.xml.bz2`): OVAL 5.10 `<oval_definitions>`. The parsed
 * shape is the generic OVAL model of `../shared/oval.ts`; this file names what Red Hat puts
 * in it.
 *
 * ```xml
 * <definition class="patch" id="oval:com.redhat.rhsa:def:20231333" version="635">
 *  <metadata>
 *   <title>RHSA-2023:1333: firefox security update (Important)</title>
 *   <affected family="unix"><platform>Red Hat Enterprise Linux 7</platform></affected>
 *   <reference ref_id="RHSA-2023:1333" ref_url="https://access.redhat.com/errata/RHSA-2023:1333" source="RHSA"/>
 *   <reference ref_id="CVE-2023-25751" ref_url="…" source="CVE"/>
 *   <description>…</description>
 *   <advisory from="secalert@redhat.com">
 *    <severity>Important</severity> <issued date="2023-03-20"/> <updated date="2023-03-20"/>
 *    <cve cvss3="7.5/CVSS:3.1/AV:N/…" cwe="CWE-94" href="…" impact="important" public="20230314">CVE-2023-25751</cve>
 *    <bugzilla href="https://bugzilla.redhat.com/2178458" id="2178458">…</bugzilla>
 *    <affected_cpe_list><cpe>cpe:/o:redhat:enterprise_linux:7</cpe>…</affected_cpe_list>
 *    <!-- unpatched definitions only: -->
 *    <affected><resolution state="Will not fix"><component>foo</component></resolution></affected>
 *   </advisory>
 *  </metadata>
 *  <criteria operator="OR">
 *   <criterion comment="Red Hat Enterprise Linux must be installed" test_ref="…"/>
 *   <criteria operator="AND">
 *    <criterion comment="Red Hat Enterprise Linux 7 is installed" test_ref="…"/>
 *    <criteria operator="OR">                         <!-- one AND per binary package -->
 *     <criteria operator="AND">
 *      <criterion comment="Module nodejs:18 is enabled" test_ref="…"/>   <!-- module streams (RHEL 8+) -->
 *      <criterion comment="firefox is earlier than 0:102.9.0-3.el7_9" test_ref="…"/>
 *      <criterion comment="firefox is signed with Red Hat redhatrelease2 key" test_ref="…"/>
 * …
 * <tests>
 *  <red-def:rpminfo_test check="at least one" comment="zlib is earlier than 0:1.2.11-31.el9_0.1" id="…">
 *   <red-def:object object_ref="oval:…:obj:…"/> <red-def:state state_ref="oval:…:ste:…"/>
 *  </red-def:rpminfo_test>
 * <objects> <red-def:rpminfo_object id="…"><red-def:name>zlib</red-def:name></red-def:rpminfo_object>
 * <states>  <red-def:rpminfo_state id="…"><red-def:evr datatype="evr_string" operation="less than">0:1.2.11-31.el9_0.1</red-def:evr>…
 * ```
 *
 * Definition classes: `patch` (an RHSA/RHBA/RHEA; package criteria "X is earlier than
 * EVR") and, in the "including unpatched" files, `vulnerability` (one CVE: "X is
 * installed" with a `<resolution state>` per component, or "X is not installed" in
 * "Unaffected components for: CVE-…" definitions).
 */
export type {
  OvalAdvisory,
  OvalCriteria,
  OvalCriterion,
  OvalDefinition,
  OvalDocument,
  OvalObject,
  OvalResolution,
  OvalState,
  OvalTest,
} from '../shared/oval.js';

/** Criterion comments Red Hat writes (used when a test cannot be followed, and to classify platform/module checks). */
export const REDHAT_CRITERION = {
  mustBeInstalled: /^Red Hat Enterprise Linux must be installed$/,
  rhelInstalled: /^Red Hat Enterprise Linux (\d+)(?: .*)? is installed$/,
  moduleEnabled: /^Module (\S+:\S+) is enabled$/,
  signed: /^\S+ is signed with .+ key$/,
  earlierThan: /^(\S+) is earlier than (\S+)$/,
  installed: /^(\S+) is installed$/,
  notInstalled: /^(\S+) is not installed$/,
  /** Any other product check ("Red Hat CoreOS 4 is installed"): a name with spaces. */
  otherPlatform: /^(.+ .+) is installed$/,
} as const;
