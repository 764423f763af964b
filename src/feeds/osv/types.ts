/**
 * Upstream shape of an OSV record (ossf/osv-schema `docs/schema.md`, 1.x), limited
 * to the fields the parser reads. Records arrive as untrusted JSON and are narrowed
 * field by field in `parse.ts`; these types document what is expected.
 */

export interface OsvSeverity {
  /** `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu` (an Ubuntu priority as the score). */
  type: string;
  score: string;
}

/** One event of a range's timeline; exactly one key is set. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  /** `ECOSYSTEM` for distribution packages; `SEMVER` and `GIT` are not used by distributions. */
  type: string;
  events: OsvEvent[];
  database_specific?: Record<string, unknown>;
}

export interface OsvUbuntuBinary {
  binary_name: string;
  binary_version: string;
}

export interface OsvAffected {
  package: {
    /** `AlmaLinux:8`, `Ubuntu:Pro:16.04:LTS`, `Red Hat:rhel_aus:8.6::appstream`… see `ecosystem.ts`. */
    ecosystem: string;
    name: string;
    purl?: string;
  };
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
  /**
   * Ubuntu: `{ binaries: OsvUbuntuBinary[], availability: "No subscription required" | "Available with Ubuntu Pro…" }`;
   * SUSE/openSUSE: `{ binaries: [{ "<binary name>": "<version>", … }] }`.
   */
  ecosystem_specific?: Record<string, unknown>;
  /** Ubuntu USN records: `{ cves_map: { ecosystem, cves: [{ id, severity: OsvSeverity[] }] } }`. */
  database_specific?: Record<string, unknown>;
}

export interface OsvReference {
  /** `ADVISORY`, `ARTICLE`, `DETECTION`, `DISCUSSION`, `REPORT`, `FIX`, `INTRODUCED`, `GIT`, `PACKAGE`, `EVIDENCE`, `WEB`. */
  type: string;
  url: string;
}

export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  upstream?: string[];
  related?: string[];
  /** Red Hat family: `Moderate: postgresql:10 security update` (impact prefix, module stream). */
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: OsvReference[];
  database_specific?: Record<string, unknown>;
}
