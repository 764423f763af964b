/**
 * Upstream shape of the CISA Known Exploited Vulnerabilities catalog
 * (https://www.cisa.gov/known-exploited-vulnerabilities-catalog, JSON schema in
 * cisagov/kev-data `known_exploited_vulnerabilities_schema.json`).
 */
export interface KevCatalog {
  title?: string;
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: KevEntry[];
}

export interface KevEntry {
  /** `^CVE-[0-9]{4}-[0-9]{4,19}$` */
  cveID: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  /** `YYYY-MM-DD` */
  dateAdded: string;
  shortDescription: string;
  requiredAction: string;
  /** `YYYY-MM-DD` */
  dueDate: string;
  /** `Known` or `Unknown`. */
  knownRansomwareCampaignUse?: string;
  notes?: string;
  cwes?: string[];
}
