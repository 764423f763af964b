/**
 * Upstream shape of the NVD CVE API 2.0 (https://nvd.nist.gov/developers/vulnerabilities),
 * limited to the fields the parser reads. Accepted documents: a response page
 * (`{resultsPerPage, startIndex, totalResults, vulnerabilities: [{cve}]}`), one
 * `{cve}` item, or a bare CVE object.
 */

export interface NvdPage {
  resultsPerPage: number;
  startIndex: number;
  totalResults: number;
  format: 'NVD_CVE';
  version: '2.0';
  timestamp: string;
  vulnerabilities?: { cve: NvdCve }[];
}

export interface NvdCve {
  id: string;
  sourceIdentifier?: string;
  published?: string;
  lastModified?: string;
  /** `Analyzed`, `Modified`, `Awaiting Analysis`, `Rejected`… */
  vulnStatus?: string;
  descriptions?: { lang: string; value: string }[];
  metrics?: NvdMetrics;
  weaknesses?: { source: string; type: string; description: { lang: string; value: string }[] }[];
  references?: { url: string; source?: string; tags?: string[] }[];
}

export interface NvdMetrics {
  cvssMetricV2?: NvdCvssMetric[];
  cvssMetricV30?: NvdCvssMetric[];
  cvssMetricV31?: NvdCvssMetric[];
  cvssMetricV40?: NvdCvssMetric[];
  /** Other keys (`ssvcV203`…) are not CVSS and are not read. */
  [other: string]: unknown;
}

export interface NvdCvssMetric {
  source: string;
  type: 'Primary' | 'Secondary';
  cvssData: {
    version: string;
    vectorString: string;
    baseScore: number;
    /** In `cvssData` for v3.x and v4.0. */
    baseSeverity?: string;
  };
  /** v2 keeps `baseSeverity` outside `cvssData`. */
  baseSeverity?: string;
}
