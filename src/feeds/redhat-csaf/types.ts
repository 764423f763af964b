/**
 * CSAF 2.0 (https://docs.oasis-open.org/csaf/csaf/v2.0/csaf-v2.0.html) as Red Hat and CIQ
 * publish it: `csaf_security_advisory` (one RHSA / CRLSA) and `csaf_vex` (one CVE, every
 * product's status). Only the parts this parser reads; everything is narrowed from `unknown`.
 */

export interface CsafProductIdentificationHelper {
  /** Product streams: `cpe:/a:redhat:enterprise_linux:8::appstream`, `cpe:2.3:o:ciq:rocky_linux_from_ciq:9:*:…`. */
  cpe?: string;
  /**
   * Packages: `pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64` (epoch in `&epoch=` when not 0),
   * module builds `…?arch=aarch64&rpmmod=ruby:2.7`, modules `pkg:rpmmod/redhat/python39@3.9:8060020240801142753:6a631399`,
   * components without version in VEX `pkg:rpm/redhat/curl?arch=src`. CIQ writes none: the name is the NEVRA.
   */
  purl?: string;
}

export interface CsafFullProductName {
  /** `git-lfs-0:2.13.3-3.el8_6.1.x86_64`, `gdisk-1.0.3-11.el8_6.ciqlts.aarch64`, `kernel`, `Red Hat Enterprise Linux 9`. */
  name: string;
  product_id: string;
  product_identification_helper?: CsafProductIdentificationHelper;
}

export interface CsafBranch {
  /** `vendor`, `product_family`, `product_name`, `architecture`, `product_version`… */
  category: string;
  name: string;
  product?: CsafFullProductName;
  branches?: CsafBranch[];
}

export interface CsafRelationship {
  /** `default_component_of`. */
  category: string;
  /** `AppStream-8.6.0.Z.AUS:git-lfs-0:2.13.3-3.el8_6.1.x86_64`: a package (or module) in a product stream. */
  full_product_name: CsafFullProductName;
  product_reference: string;
  relates_to_product_reference: string;
}

export interface CsafProductTree {
  branches?: CsafBranch[];
  full_product_names?: CsafFullProductName[];
  relationships?: CsafRelationship[];
}

export interface CsafRemediation {
  /** `vendor_fix`, `workaround`, `mitigation`, `no_fix_planned`, `none_available`. */
  category: string;
  /** For `no_fix_planned` / `none_available`: `Will not fix`, `Out of support scope`, `Affected`, `Deferred`. */
  details?: string;
  product_ids?: string[];
  /** `https://access.redhat.com/errata/RHSA-2024:9941`. */
  url?: string;
}

export interface CsafScore {
  cvss_v2?: { vectorString?: string; baseScore?: number; version?: string };
  cvss_v3?: { vectorString?: string; baseScore?: number; version?: string };
  products?: string[];
}

export interface CsafVulnerability {
  cve?: string;
  title?: string;
  notes?: { category: string; text: string; title?: string }[];
  product_status?: {
    fixed?: string[];
    first_fixed?: string[];
    known_affected?: string[];
    first_affected?: string[];
    last_affected?: string[];
    known_not_affected?: string[];
    under_investigation?: string[];
    recommended?: string[];
  };
  remediations?: CsafRemediation[];
  /** `vulnerable_code_not_present`, `component_not_present`… for not-affected products. */
  flags?: { label: string; product_ids?: string[] }[];
  /** `category: impact`, `details: Important`. */
  threats?: { category: string; details: string; product_ids?: string[] }[];
  scores?: CsafScore[];
  references?: { category?: string; summary?: string; url: string }[];
  release_date?: string;
  discovery_date?: string;
}

export interface CsafDocument {
  document: {
    /** `csaf_security_advisory` or `csaf_vex`. */
    category: string;
    csaf_version: string;
    title?: string;
    aggregate_severity?: { text: string; namespace?: string };
    publisher: { name: string; namespace: string; category?: string };
    notes?: { category: string; text: string; title?: string }[];
    references?: { category?: string; summary?: string; url: string }[];
    tracking: { id: string; status?: string; initial_release_date?: string; current_release_date?: string };
  };
  product_tree?: CsafProductTree;
  vulnerabilities?: CsafVulnerability[];
}
