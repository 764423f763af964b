/** Vendor severity labels to the normalized scale. Pure. */
import type { CvssScore, Severity, VendorSeverity } from '../../domain/advisory.js';

const RANK: Readonly<Record<Severity, number>> = {
  unknown: 0,
  negligible: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

export function severityRank(s: Severity): number {
  return RANK[s];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

export const UNKNOWN_SEVERITY: VendorSeverity = Object.freeze({ vendor: null, normalized: 'unknown' });

/**
 * Red Hat family impact (also used by AlmaLinux and Rocky advisories):
 * Critical, Important, Moderate, Low.
 */
export function redHatSeverity(label: string): Severity | null {
  switch (label.toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'important':
      return 'high';
    case 'moderate':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return null;
  }
}

/** Ubuntu priority: critical, high, medium, low, negligible, untriaged. */
export function ubuntuSeverity(label: string): Severity | null {
  switch (label.toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    case 'negligible':
      return 'negligible';
    case 'untriaged':
      return 'unknown';
    default:
      return null;
  }
}

/**
 * Debian tracker urgency: unimportant, low, medium, high, `not yet assigned`,
 * `end-of-life`; a trailing `*` or `**` marks an urgency the tracker derived
 * automatically (from NVD), which we normalize the same way.
 */
export function debianSeverity(label: string): Severity | null {
  const base = label.replace(/\*+$/, '').trim().toLowerCase();
  switch (base) {
    case 'unimportant':
      return 'negligible';
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    case 'not yet assigned':
    case 'end-of-life':
    case '':
      return 'unknown';
    default:
      return null;
  }
}

/** Generic label (SUSE, OSV `database_specific.severity`): the union of the scales above. */
export function genericSeverity(label: string): Severity | null {
  return redHatSeverity(label) ?? ubuntuSeverity(label) ?? debianSeverity(label) ?? qualitative(label);
}

function qualitative(label: string): Severity | null {
  switch (label.toLowerCase()) {
    case 'none':
      return 'negligible';
    case 'unknown':
      return 'unknown';
    default:
      return null;
  }
}

/** CVSS v3/v4 qualitative rating of a base score (v2 has no "critical" band, we use the same cut-offs). */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'negligible';
}

/**
 * Severity from CVSS scores when the vendor gave no label: the highest base
 * score among the newest CVSS version present (v4 over v3 over v2).
 */
export function severityFromCvss(scores: readonly CvssScore[]): Severity {
  let best: CvssScore | null = null;
  for (const s of scores) {
    if (best === null) best = s;
    else {
      const major = s.version.charAt(0);
      const bestMajor = best.version.charAt(0);
      if (major > bestMajor || (major === bestMajor && s.baseScore > best.baseScore)) best = s;
    }
  }
  return best === null ? 'unknown' : severityFromScore(best.baseScore);
}
