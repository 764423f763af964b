import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NvdEnrichment } from '../../domain/advisory.js';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseNvd } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (kind: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, kind, name));
const nvd = (e: unknown): NvdEnrichment => e as NvdEnrichment;

describe('NVD golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseNvd(fs.readFileSync(c.file))));
    });
  }
});

describe('parseNvd', () => {
  it('reads CVSS 4.0 metrics, keeping NVD type and source', () => {
    const r = parseNvd(read('happy', 'cve-item-v40.json'));
    expect(r.problems).toEqual([]);
    const e = nvd(r.enrichments[0]);
    expect(e).toMatchObject({ kind: 'nvd', cve: 'CVE-2026-25076', vulnStatus: 'Awaiting Analysis', cwes: ['CWE-89'] });
    expect(e.cvss.map((c) => [c.version, c.baseScore, c.type, c.source])).toEqual([
      ['4.0', 8.5, 'Secondary', 'disclosure@vulncheck.com'],
      ['3.1', 7.3, 'Primary', 'disclosure@vulncheck.com'],
    ]);
  });

  it('accepts a bare CVE object with v2, v3.0 and v3.1 metrics', () => {
    const e = nvd(parseNvd(read('happy', 'bare-cve-v2-v30-v31.json')).enrichments[0]);
    expect(e.cvss.map((c) => c.version).sort()).toEqual(['2.0', '3.0', '3.1']);
    expect(e.cvss.find((c) => c.version === '2.0')?.baseSeverity).toBe('HIGH');
  });

  it('an empty page has no enrichments', () => {
    expect(parseNvd(read('happy', 'page-empty.json')).enrichments).toEqual([]);
  });
});

describe('NVD sad cases', () => {
  it('truncated JSON', () => {
    expectDocumentError(() => parseNvd(read('sad', 'truncated.json')), /^failed to parse NVD CVE API 2\.0 document: not valid JSON/);
  });

  it('a top-level array', () => {
    expectDocumentError(() => parseNvd(read('sad', 'wrong-top-level.json')), /expected an object, got array/);
  });

  it('an object that is none of the accepted shapes', () => {
    expectDocumentError(() => parseNvd(read('sad', 'not-nvd.json')), /neither a response page/);
  });

  it('records without a usable id are reported; the others are kept', () => {
    const r = parseNvd(read('sad', 'missing-id.json'));
    expect(r.enrichments.map((e) => e.cve)).toEqual(['CVE-2021-22903']);
    expect(r.problems).toEqual([
      { record: 'vulnerabilities[0]', message: 'CVE has no id' },
      { record: 'vulnerabilities[2]', message: 'cve is string, not an object' },
      { record: 'vulnerabilities[3]', message: 'id "NOT-A-CVE" is not a CVE id' },
    ]);
  });

  it('bad vectors are left out, a score mismatch is kept as NVD stated it, both reported', () => {
    const r = parseNvd(read('sad', 'bad-metrics.json'));
    const e = nvd(r.enrichments[0]);
    expect(e.cvss.map((c) => [c.version, c.baseScore])).toEqual([['3.0', 9.9]]);
    expect(r.problems).toEqual([
      {
        record: 'CVE-2021-3881',
        message: 'cvssMetricV31[0]: invalid CVSS 3.1 vector "CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": unknown metric or metric value; ignored',
      },
      {
        record: 'CVE-2021-3881',
        message:
          'cvssMetricV30[0]: NVD states base score 9.9 but the vector "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:L" computes 7.1; kept 9.9',
      },
      {
        record: 'CVE-2021-3881',
        message:
          'cvssMetricV2[0]: invalid CVSS 2.0 vector "CVSS:3.1/AV:N/AC:L/Au:N/C:P/I:P/A:P": declared as CVSS v2 but the vector is CVSS 3.1; ignored',
      },
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every NVD file of the shared data', data), () => {
  it('parses 28 files into 67 CVEs whose stated scores all match their vectors', () => {
    const files = listFiles(path.join(data ?? '', 'nvd'));
    expect(files).toHaveLength(28);
    const versions: Record<string, number> = {};
    let cves = 0;
    for (const f of files) {
      const r = parseNvd(fs.readFileSync(f));
      expect(r.problems).toEqual([]);
      for (const e of r.enrichments) {
        cves++;
        for (const c of nvd(e).cvss) versions[c.version] = (versions[c.version] ?? 0) + 1;
      }
    }
    expect(cves).toBe(67);
    expect(versions).toEqual({ '2.0': 18, '3.0': 4, '3.1': 82, '4.0': 2 });
  });
});
