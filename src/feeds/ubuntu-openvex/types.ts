/**
 * Ubuntu OpenVEX (https://github.com/canonical/ubuntu-security-notices `vex/cve/<year>/CVE-….json`,
 * OpenVEX 0.2.0, https://github.com/openvex/spec): one document per CVE, statements grouping
 * products by status. Only what this parser reads; everything is narrowed from `unknown`.
 *
 * Products are purls `pkg:deb/ubuntu/<name>@<version>?arch=<arch>&distro=<distro>`: the
 * source package (`arch=source`) followed by the binary packages built from it; `distro` is
 * a codename (`jammy`) or an Ubuntu Pro pocket and codename (`esm-infra/xenial`,
 * `esm-apps/focal`, `esm-infra-legacy/trusty`). The version is the fixed version for
 * `fixed`, the version in the archive otherwise.
 */

export interface OpenVexStatement {
  vulnerability: { '@id'?: string; name: string; description?: string; aliases?: string[] };
  timestamp?: string;
  products: { '@id': string; subcomponents?: { '@id': string }[] }[];
  /** `not_affected`, `affected`, `fixed`, `under_investigation`. */
  status: string;
  status_notes?: string;
  /** For `not_affected`: `component_not_present`, `vulnerable_code_not_present`, … */
  justification?: string;
  impact_statement?: string;
  /** For `affected`: Ubuntu's wording of its status (needed, deferred, ignored, end of life…). */
  action_statement?: string;
}

export interface OpenVexDocument {
  '@context': string;
  '@id': string;
  author: string;
  timestamp: string;
  version: number;
  statements: OpenVexStatement[];
}
