/**
 * The advisory part of an OVAL definition (Red Hat and SUSE write the same metadata
 * elements): ids, title, description, severity, CVSS scores from `<cve cvss3="score/vector">`,
 * dates and references. Pure.
 */
import type { Advisory, CvssScore, Reference, ReferenceType, Severity, VendorSeverity } from '../../domain/advisory.js';
import { addCvss, statedCvss } from './cvss-stated.js';
import { IdSet } from './ids.js';
import type { OvalDefinition } from './oval.js';
import { splitScoredVector } from './oval.js';
import { genericSeverity, severityFromCvss } from './severity.js';

const CVE_IN_TEXT = /CVE-\d{4}-\d{4,}/g;

export interface OvalAdvisoryOptions {
  id: string;
  source: string;
  /** CVSS source when the advisory names none (`from` attribute). */
  defaultScorer: string;
  /** The vendor's severity scale; falls back to the generic one. */
  severityOf: (label: string) => Severity | null;
  /** Reference `source` attribute → reference type. */
  referenceType: (source: string | null) => ReferenceType;
  problem: (m: string) => void;
}

export function ovalAdvisory(def: OvalDefinition, o: OvalAdvisoryOptions): Advisory {
  const ids = new IdSet(o.id);
  ids.add(o.id);
  const references: Reference[] = [];
  const addRef = (url: string | null, type: ReferenceType): void => {
    if (url !== null && url !== '' && !references.some((r) => r.url === url)) references.push({ url, type });
  };
  for (const r of def.references) {
    if (r.refId !== null) {
      const cves = r.refId.match(CVE_IN_TEXT);
      if (cves !== null) ids.addAll(cves);
      else ids.add(r.refId);
    }
    addRef(r.refUrl, o.referenceType(r.source));
  }
  const adv = def.advisory;
  const cvss: CvssScore[] = [];
  if (adv !== null) {
    for (const c of adv.cves) {
      const found = c.text?.match(CVE_IN_TEXT);
      if (found) ids.addAll(found);
      const cve = found?.[0] ?? c.text ?? '?';
      const scorer = c.href !== null && c.href.includes('nvd.nist.gov') ? 'nvd@nist.gov' : (adv.from ?? o.defaultScorer);
      for (const [attr, major] of [
        [c.cvss3, '3'],
        [c.cvss2, '2'],
      ] as const) {
        if (attr === null || attr === '') continue;
        const sv = splitScoredVector(attr);
        const vector = sv === null ? attr : sv.vector;
        addCvss(cvss, statedCvss(vector, sv === null ? null : sv.score, scorer, major, `${cve} cvss${major}`, o.problem));
      }
      addRef(c.href, 'WEB');
    }
    for (const b of adv.bugzillas) addRef(b.href, 'REPORT');
  }

  let severity: VendorSeverity | null = null;
  const label = adv?.severity ?? null;
  if (label !== null) {
    const n = o.severityOf(label) ?? genericSeverity(label);
    if (n === null) o.problem(`unknown severity "${label}"`);
    else severity = { vendor: label, normalized: n };
  }
  if (severity === null && def.title !== null) {
    const m = /\((Critical|Important|Moderate|Low)\)\s*$/.exec(def.title);
    if (m) severity = { vendor: m[1]!, normalized: o.severityOf(m[1]!) ?? 'unknown' };
  }
  severity ??= { vendor: null, normalized: severityFromCvss(cvss) };

  return {
    id: o.id,
    source: o.source,
    cves: ids.cves,
    relatedIds: ids.others,
    title: def.title,
    description: def.description,
    severity,
    cvss,
    published: adv?.issued ?? null,
    modified: adv?.updated ?? null,
    withdrawn: null,
    references,
  };
}
