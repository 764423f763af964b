/**
 * Upstream shape of FIRST's daily EPSS scores file (https://www.first.org/epss/data_stats),
 * `epss_scores-YYYY-MM-DD.csv.gz`, after gunzip (the caller decompresses):
 *
 * ```
 * #model_version:v2023.03.01,score_date:2024-10-25T00:00:00+0000
 * cve,epss,percentile
 * CVE-1999-0005,0.91963,0.99030
 * ```
 */
export interface EpssRow {
  cve: string;
  /** Probability 0..1, as a decimal string. */
  epss: string;
  /** 0..1, as a decimal string. */
  percentile: string;
}

export interface EpssHeader {
  modelVersion: string | null;
  scoreDate: string | null;
}
