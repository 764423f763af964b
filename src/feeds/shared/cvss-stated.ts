/**
 * A CVSS vector with the score its publisher stated (Red Hat, SUSE, CSAF): validated and
 * scored with ae-cvss-calculator (`cvss.ts`). An invalid vector is reported and left out;
 * a stated score that differs from the computed one is reported and kept as stated, as
 * the NVD parser does. Pure.
 */
import type { CvssScore } from '../../domain/advisory.js';
import { sameScore, scoreCvssVector, type CvssMajor } from './cvss.js';

export function statedCvss(
  vector: string,
  stated: number | null,
  source: string,
  expectedMajor: CvssMajor | null,
  where: string,
  problem: (m: string) => void,
): CvssScore | null {
  const r = scoreCvssVector(vector, expectedMajor);
  if (!r.ok) {
    problem(`${where}: invalid CVSS vector "${vector}": ${r.reason}; ignored`);
    return null;
  }
  if (stated !== null && !sameScore(stated, r.baseScore)) {
    problem(`${where}: stated base score ${stated} but the vector "${vector}" computes ${r.baseScore}; kept ${stated}`);
  }
  return { version: r.version, vector, baseScore: stated ?? r.baseScore, source };
}

/** Adds `s` unless a score with the same vector and source is there already. */
export function addCvss(list: CvssScore[], s: CvssScore | null): void {
  if (s === null) return;
  if (!list.some((c) => c.vector === s.vector && c.source === s.source)) list.push(s);
}
