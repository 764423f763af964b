/** CISA KEV catalog JSON → per-CVE `kev` enrichments. Pure. */
import type { FeedParseResult, KevEnrichment } from '../../domain/advisory.js';
import { CVE_ID } from '../shared/ids.js';
import { invalidDocument, isObject, parseJsonDocument, str, strArray, typeName } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';

const FEED = 'CISA KEV catalog';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseKev(input: string | Uint8Array): FeedParseResult {
  return parseKevValue(parseJsonDocument(input, FEED));
}

export function parseKevValue(doc: unknown): FeedParseResult {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected the catalog object, got ${typeName(doc)}`);
  const list = doc.vulnerabilities;
  if (!Array.isArray(list)) throw invalidDocument(FEED, 'no vulnerabilities array: not a KEV catalog');
  const catalogVersion = str(doc.catalogVersion);
  const out = emptyResult();
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    const label = `vulnerabilities[${i}]`;
    if (!isObject(e)) {
      addProblem(out, label, `entry is ${typeName(e)}, not an object`);
      continue;
    }
    const cve = str(e.cveID);
    if (cve === null || !CVE_ID.test(cve)) {
      addProblem(out, label, cve === null ? 'entry has no cveID' : `cveID "${cve}" is not a CVE id`);
      continue;
    }
    const dateAdded = str(e.dateAdded);
    const dueDate = str(e.dueDate);
    if (dateAdded === null || !DATE.test(dateAdded) || dueDate === null || !DATE.test(dueDate)) {
      addProblem(out, cve, `dateAdded ${JSON.stringify(e.dateAdded)} / dueDate ${JSON.stringify(e.dueDate)} are not both YYYY-MM-DD; entry skipped`);
      continue;
    }
    if (seen.has(cve)) {
      addProblem(out, cve, 'listed twice; the later entry was skipped');
      continue;
    }
    seen.add(cve);
    const kev: KevEnrichment = {
      kind: 'kev',
      cve,
      vendorProject: str(e.vendorProject) ?? '',
      product: str(e.product) ?? '',
      vulnerabilityName: str(e.vulnerabilityName) ?? '',
      shortDescription: str(e.shortDescription) ?? '',
      requiredAction: str(e.requiredAction) ?? '',
      dateAdded,
      dueDate,
      knownRansomwareCampaignUse: str(e.knownRansomwareCampaignUse) ?? 'Unknown',
      notes: str(e.notes) ?? '',
      cwes: strArray(e.cwes),
      catalogVersion,
    };
    out.enrichments.push(kev);
  }
  const count = doc.count;
  if (typeof count === 'number' && count !== list.length) {
    addProblem(out, 'catalog', `count says ${count} but the catalog lists ${list.length} entries`);
  }
  return out;
}
