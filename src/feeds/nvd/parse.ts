/**
 * NVD CVE API 2.0 documents → per-CVE `nvd` enrichments (no advisories). Pure.
 *
 * Every CVSS metric is validated and scored with ae-cvss-calculator; an invalid vector
 * is reported and left out, and a base score that differs from the one computed from
 * the vector is reported but kept as NVD stated it.
 */
import type { CvssVersion, FeedParseResult, NvdCvss, NvdEnrichment, NvdReference } from '../../domain/advisory.js';
import { CVE_ID, compareIds } from '../shared/ids.js';
import { finiteNumber, invalidDocument, isObject, parseJsonDocument, str, strArray, typeName, type JsonObject } from '../shared/json.js';
import { addProblem, emptyResult } from '../shared/result.js';
import { sameScore, scoreCvssVector, type CvssMajor } from '../shared/cvss.js';

const FEED = 'NVD CVE API 2.0';

const METRIC_KEYS: Readonly<Record<string, CvssVersion>> = {
  cvssMetricV2: '2.0',
  cvssMetricV30: '3.0',
  cvssMetricV31: '3.1',
  cvssMetricV40: '4.0',
};

export function parseNvd(input: string | Uint8Array): FeedParseResult {
  return parseNvdValue(parseJsonDocument(input, FEED));
}

export function parseNvdValue(doc: unknown): FeedParseResult {
  if (!isObject(doc)) throw invalidDocument(FEED, `expected an object, got ${typeName(doc)}`);
  const out = emptyResult();
  if ('vulnerabilities' in doc) {
    const list = doc.vulnerabilities;
    if (!Array.isArray(list)) throw invalidDocument(FEED, `vulnerabilities is ${typeName(list)}, not an array`);
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      const cve = isObject(item) ? item.cve : undefined;
      appendCve(out, cve, `vulnerabilities[${i}]`);
    }
  } else if ('totalResults' in doc && 'resultsPerPage' in doc) {
    // An empty page carries no vulnerabilities member at all.
  } else if (isObject(doc.cve)) {
    appendCve(out, doc.cve, 'cve');
  } else if (typeof doc.id === 'string' && ('descriptions' in doc || 'metrics' in doc || 'published' in doc)) {
    appendCve(out, doc, 'cve');
  } else {
    throw invalidDocument(FEED, 'neither a response page (vulnerabilities), a {cve} item nor a CVE object');
  }
  return out;
}

function appendCve(out: FeedParseResult, cve: unknown, label: string): void {
  if (!isObject(cve)) {
    addProblem(out, label, `cve is ${typeName(cve)}, not an object`);
    return;
  }
  const id = str(cve.id);
  if (id === null || !CVE_ID.test(id)) {
    addProblem(out, label, id === null ? 'CVE has no id' : `id "${id}" is not a CVE id`);
    return;
  }
  const problem = (m: string): void => {
    addProblem(out, id, m);
  };
  const enrichment: NvdEnrichment = {
    kind: 'nvd',
    cve: id,
    sourceIdentifier: str(cve.sourceIdentifier),
    vulnStatus: str(cve.vulnStatus),
    published: str(cve.published),
    lastModified: str(cve.lastModified),
    description: englishText(cve.descriptions),
    cvss: isObject(cve.metrics) ? readMetrics(cve.metrics, problem) : [],
    cwes: readWeaknesses(cve.weaknesses),
    references: readReferences(cve.references),
  };
  out.enrichments.push(enrichment);
}

function englishText(list: unknown): string | null {
  if (!Array.isArray(list)) return null;
  let any: string | null = null;
  for (const d of list) {
    if (!isObject(d)) continue;
    const value = str(d.value);
    if (value === null) continue;
    if (d.lang === 'en') return value;
    any ??= value;
  }
  return any;
}

function readMetrics(metrics: JsonObject, problem: (m: string) => void): NvdCvss[] {
  const out: NvdCvss[] = [];
  for (const key of Object.keys(metrics)) {
    if (!key.startsWith('cvssMetric')) continue;
    const version = METRIC_KEYS[key];
    const list = metrics[key];
    if (version === undefined) {
      problem(`unknown CVSS metric family ${key}; ignored`);
      continue;
    }
    if (!Array.isArray(list)) {
      problem(`${key} is ${typeName(list)}, not an array`);
      continue;
    }
    for (let i = 0; i < list.length; i++) {
      const m = readMetric(list[i], version, `${key}[${i}]`, problem);
      if (m !== null) out.push(m);
    }
  }
  return out;
}

function readMetric(m: unknown, version: CvssVersion, where: string, problem: (m: string) => void): NvdCvss | null {
  const data = isObject(m) && isObject(m.cvssData) ? m.cvssData : null;
  const vector = data === null ? null : str(data.vectorString);
  if (!isObject(m) || data === null || vector === null) {
    problem(`${where} has no cvssData.vectorString; ignored`);
    return null;
  }
  const r = scoreCvssVector(vector, version.charAt(0) as CvssMajor);
  if (!r.ok) {
    problem(`${where}: invalid CVSS ${version} vector "${vector}": ${r.reason}; ignored`);
    return null;
  }
  if (r.version !== version || (str(data.version) !== null && data.version !== version)) {
    problem(`${where}: listed as CVSS ${version}, data says ${str(data.version) ?? '?'}, vector is ${r.version}`);
  }
  const stated = finiteNumber(data.baseScore);
  if (stated === null) problem(`${where}: no baseScore; using ${r.baseScore} computed from the vector`);
  else if (!sameScore(stated, r.baseScore)) {
    problem(`${where}: NVD states base score ${stated} but the vector "${vector}" computes ${r.baseScore}; kept ${stated}`);
  }
  const type = m.type === 'Primary' || m.type === 'Secondary' ? m.type : 'Secondary';
  if (m.type !== type) problem(`${where}: type ${JSON.stringify(m.type)} is neither Primary nor Secondary; taken as Secondary`);
  return {
    version: r.version,
    vector,
    baseScore: stated ?? r.baseScore,
    source: str(m.source) ?? 'unknown',
    type,
    baseSeverity: str(data.baseSeverity) ?? str(m.baseSeverity),
  };
}

function readWeaknesses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const cwes = new Set<string>();
  for (const w of list) {
    if (!isObject(w) || !Array.isArray(w.description)) continue;
    for (const d of w.description) {
      if (isObject(d) && typeof d.value === 'string' && d.value !== '') cwes.add(d.value);
    }
  }
  return [...cwes].sort(compareIds);
}

function readReferences(list: unknown): NvdReference[] {
  if (!Array.isArray(list)) return [];
  const out: NvdReference[] = [];
  for (const r of list) {
    if (!isObject(r)) continue;
    const url = str(r.url);
    if (url === null) continue;
    out.push({ url, source: str(r.source), tags: strArray(r.tags) });
  }
  return out;
}
