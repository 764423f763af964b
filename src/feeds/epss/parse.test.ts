import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseEpssCsv, parseEpssHeader } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (kind: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, kind, name));

describe('EPSS golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseEpssCsv(fs.readFileSync(c.file))));
    });
  }
});

describe('parseEpssCsv', () => {
  it('reads the header line into every score', () => {
    const r = parseEpssCsv(read('happy', 'vunnel-sample.csv'));
    expect(r.enrichments[0]).toEqual({
      kind: 'epss',
      cve: 'CVE-1999-0001',
      score: 0.00383,
      percentile: 0.73075,
      date: '2025-02-20T00:00:00+0000',
      modelVersion: 'v2023.03.01',
    });
  });

  it('accepts a file without the comment line, CRLF line ends and reordered columns', () => {
    const r = parseEpssCsv('percentile,cve,epss\r\n0.5,CVE-2024-0001,0.1\r\n');
    expect(r.enrichments).toEqual([{ kind: 'epss', cve: 'CVE-2024-0001', score: 0.1, percentile: 0.5, date: null, modelVersion: null }]);
    expect(r.problems).toEqual([]);
  });

  it('parseEpssHeader', () => {
    expect(parseEpssHeader('#model_version:v2023.03.01,score_date:2024-10-25T00:00:00+0000')).toEqual({
      modelVersion: 'v2023.03.01',
      scoreDate: '2024-10-25T00:00:00+0000',
    });
  });

  it('bad rows are reported; the others parse', () => {
    const r = parseEpssCsv(read('sad', 'bad-rows.csv'));
    expect(r.enrichments).toHaveLength(24);
    expect(r.problems).toEqual([
      { record: 'CVE-1999-0006', message: 'line 4: epss "high" and percentile "0.91563" must be numbers from 0 to 1; row skipped' },
      { record: 'CVE-1999-0007', message: 'line 5: epss "0.00073" and percentile "" must be numbers from 0 to 1; row skipped' },
      { record: 'CVE-1999-0008', message: 'line 6: epss "1.5" and percentile "0.95792" must be numbers from 0 to 1; row skipped' },
      { record: 'line 7', message: '"not-a-cve" is not a CVE id; row skipped' },
      { record: 'CVE-1999-0005', message: 'line 8: listed twice; the later row was skipped' },
    ]);
  });

  it('a file without the column header is a document error', () => {
    expectDocumentError(() => parseEpssCsv(read('sad', 'no-header.csv')), /^failed to parse EPSS CSV document: line 2 is not the "cve,epss,percentile" header/);
  });

  it('an empty file is a document error', () => {
    expectDocumentError(() => parseEpssCsv(''), /no "cve,epss,percentile" header line/);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every EPSS file of the shared data', data), () => {
  it('parses both samples without problems', () => {
    const counts = listFiles(path.join(data ?? '', 'epss')).map((f) => {
      const r = parseEpssCsv(fs.readFileSync(f));
      expect(r.problems).toEqual([]);
      return r.enrichments.length;
    });
    expect(counts).toEqual([29, 5]);
  });
});
