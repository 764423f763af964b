import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseKev } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (kind: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, kind, name));

describe('KEV golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseKev(fs.readFileSync(c.file))));
    });
  }
});

describe('parseKev', () => {
  it('keeps the catalog facts per CVE', () => {
    const r = parseKev(read('happy', 'catalog-subset.json'));
    expect(r.problems).toEqual([]);
    expect(r.enrichments.find((e) => e.cve === 'CVE-2021-3156')).toMatchObject({
      kind: 'kev',
      vendorProject: 'Sudo',
      dateAdded: '2022-04-06',
      catalogVersion: '2025.08.25',
    });
    expect(r.enrichments.filter((e) => e.kind === 'kev' && e.knownRansomwareCampaignUse === 'Known')).toHaveLength(1);
  });

  it('truncated JSON', () => {
    expectDocumentError(() => parseKev(read('sad', 'truncated.json')), /^failed to parse CISA KEV catalog document: not valid JSON/);
  });

  it('a top-level array', () => {
    expectDocumentError(() => parseKev(read('sad', 'wrong-top-level.json')), /expected the catalog object, got array/);
  });

  it('bad entries are reported one by one', () => {
    const r = parseKev(read('sad', 'bad-entries.json'));
    expect(r.enrichments.map((e) => e.cve)).toEqual(['CVE-2024-8069']);
    expect(r.problems).toEqual([
      { record: 'vulnerabilities[0]', message: 'entry has no cveID' },
      { record: 'CVE-2024-8068', message: 'dateAdded "08/25/2025" / dueDate "2025-09-15" are not both YYYY-MM-DD; entry skipped' },
      { record: 'CVE-2024-8069', message: 'listed twice; the later entry was skipped' },
      { record: 'vulnerabilities[4]', message: 'entry is string, not an object' },
      { record: 'catalog', message: 'count says 1404 but the catalog lists 5 entries' },
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('the shared KEV catalog', data), () => {
  it('parses all 1,404 entries without problems', () => {
    const r = parseKev(fs.readFileSync(path.join(data ?? '', 'kev', 'known_exploited_vulnerabilities.json')));
    expect(r.problems).toEqual([]);
    expect(r.enrichments).toHaveLength(1404);
    const ransomware = r.enrichments.filter((e) => e.kind === 'kev' && e.knownRansomwareCampaignUse === 'Known');
    expect(ransomware).toHaveLength(293);
  });
});
