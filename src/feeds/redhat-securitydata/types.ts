/**
 * Red Hat Security Data API, one CVE (`https://access.redhat.com/hydra/rest/securitydata/cve/CVE-2021-3156.json`;
 * the older `/labs/securitydataapi/cve/…` path serves the same shape). Fields as seen in the
 * shared data; every field is optional in practice and is narrowed from `unknown`.
 */

/** A fix: the *source* package NEVR as shipped in the erratum. */
export interface RedHatAffectedRelease {
  /** `Red Hat Enterprise Linux 7`, `Red Hat Enterprise Linux 8.6 Extended Update Support`. */
  product_name?: string;
  /** `2021-01-26T00:00:00Z`. */
  release_date?: string;
  /** `RHSA-2021:0221`. */
  advisory?: string;
  /** Source NEVR, epoch after the name: `vim-2:7.4.160-6.el7_6`, `sudo-0:1.8.23-10.el7_9.1`; module NSVC for module errata. */
  package?: string;
  /** `cpe:/o:redhat:enterprise_linux:7`, `cpe:/a:redhat:rhel_eus:8.6`. */
  cpe?: string;
}

/** No fix (yet) for a product. */
export interface RedHatPackageState {
  product_name?: string;
  /** `Will not fix`, `Not affected`, `Affected`, `Fix deferred`, `Out of support scope`, `Under investigation`, `New`. */
  fix_state?: string;
  /** Source component (`vim`), module component (`postgresql:13/postgresql`) or container image (`rhel8/firefox-flatpak`). */
  package_name?: string;
  cpe?: string;
}

export interface RedHatSecurityDataCve {
  /** `CVE-2021-3156`. */
  name?: string;
  /** `Critical`, `Important`, `Moderate`, `Low`. */
  threat_severity?: string;
  public_date?: string;
  bugzilla?: { description?: string; id?: string; url?: string };
  /** Strings, possibly empty. */
  cvss?: { cvss_base_score?: string; cvss_scoring_vector?: string; status?: string };
  cvss3?: { cvss3_base_score?: string; cvss3_scoring_vector?: string; status?: string };
  cwe?: string;
  /** One string or several (NVD's text, then Red Hat's). */
  details?: string | string[];
  statement?: string;
  /** A string, or `{ value, lang }` in the hydra API. */
  mitigation?: string | { value?: string; lang?: string };
  acknowledgement?: string;
  affected_release?: RedHatAffectedRelease[] | null;
  package_state?: RedHatPackageState[] | null;
  /** URLs, sometimes several in one string separated by newlines. */
  references?: string[];
  upstream_fix?: string;
  csaw?: boolean;
}
