import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FeedParseResult } from '../../domain/advisory.js';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { alpineReleaseOf, parseAlpineSecdbJson, parseAlpineSecdbYaml, parseFixEntry } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (kind: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, kind, name));

function parseFile(file: string): FeedParseResult {
  const input = fs.readFileSync(file);
  return file.endsWith('.json') ? parseAlpineSecdbJson(input) : parseAlpineSecdbYaml(input);
}


describe('Alpine secdb golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseFile(c.file)));
    });
  }
});

describe('parseAlpineSecdb', () => {
  it('keys v3.X as release 3.X and a 0 fixed version as not affected', () => {
    const r = parseAlpineSecdbYaml(read('happy', 'v3.8-main-excerpt.yaml'));
    const db = r.affected.filter((a) => a.packageName === 'db');
    expect(db).toHaveLength(5);
    expect(db.every((a) => a.release === '3.8' && a.status === 'not_affected' && a.ranges.length === 0)).toBe(true);
    const openssl = r.affected.find((a) => a.packageName === 'openssl' && a.advisoryId === 'CVE-2018-0739');
    expect(openssl).toMatchObject({ distro: 'alpine', scheme: 'apk', status: 'fixed', ranges: [{ introduced: '0', fixed: '1.0.2o-r0' }] });
    // Listed under 1.0.2n-r0 and 1.0.2o-r0: one row, the higher fix, reported.
    expect(r.affected.filter((a) => a.advisoryId === 'CVE-2017-3738').map((a) => a.ranges)).toEqual([[{ introduced: '0', fixed: '1.0.2o-r0' }]]);
    expect(r.problems).toEqual([{ record: 'openssl', message: 'CVE-2017-3738 is listed under two versions, 1.0.2n-r0 and 1.0.2o-r0; kept the higher, 1.0.2o-r0' }]);
  });

  it('reads ids with remarks and companion ids', () => {
    const r = parseAlpineSecdbYaml(read('happy', 'v3.11-main-excerpt.yaml'));
    expect(r.advisories.find((a) => a.id === 'CVE-2017-12122')?.relatedIds).toEqual(['TALOS-2017-0488']);
    expect(r.advisories.find((a) => a.id === 'CVE-2016-6258')?.relatedIds).toEqual(['XSA-182']);
    expect(r.advisories.find((a) => a.id === 'XSA-207')).toMatchObject({ cves: [], source: 'alpine-secdb' });
    expect(r.affected.find((a) => a.advisoryId === 'CVE-2018-14468')?.note).toBe('FrameRelay');
  });

  it('keeps edge as a release and accepts empty documents', () => {
    expect(new Set(parseAlpineSecdbJson(read('happy', 'edge-main-json.json')).affected.map((a) => a.release))).toEqual(new Set(['edge']));
    expect(parseAlpineSecdbJson(read('happy', 'v3.11-community-empty-json.json'))).toEqual({ advisories: [], affected: [], enrichments: [], problems: [] });
    expect(parseAlpineSecdbYaml(read('happy', 'v3.3-community-empty.yaml'))).toEqual({ advisories: [], affected: [], enrichments: [], problems: [] });
  });

  it('reports a secfixes value that is not a list (real v3.12 data)', () => {
    const r = parseAlpineSecdbJson(read('happy', 'v3.12-main-json.json'));
    expect(r.affected.map((a) => a.advisoryId)).toEqual(['CVE-2018-16876']);
    expect(r.problems).toEqual([{ record: 'ansible', message: 'secfixes["2.8.0-r0"] is object, not a list of ids; skipped' }]);
  });

  it.each([
    ['CVE-2019-1234', ['CVE-2019-1234'], [], null],
    ['CVE-2016-6258 XSA-182', ['CVE-2016-6258'], ['XSA-182'], null],
    ['CVE-2017-12122 TALOS-2017-0488', ['CVE-2017-12122'], ['TALOS-2017-0488'], null],
    ['CVE-2018-14468 (FrameRelay)', ['CVE-2018-14468'], [], 'FrameRelay'],
    ['CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)', ['CVE-2018-10103'], [], 'SMB - partially fixed, but SMB printing disabled'],
    ['XSA-207', ['XSA-207'], [], null],
    ['wnpa-sec-2017-18', ['wnpa-sec-2017-18'], [], null],
    ['CVE_2019-2426', ['CVE-2019-2426'], [], null],
    ['CVE 2018-16859', ['CVE-2018-16859'], [], null],
    ['CVE-2019-19451.patch', ['CVE-2019-19451'], [], null],
    ['CVE-2017-17434-1', ['CVE-2017-17434'], [], null],
  ])('parseFixEntry(%j)', (raw, ids, related, remark) => {
    expect(parseFixEntry(raw)).toEqual({ ids, related, remark });
  });

  it('parseFixEntry gives null when there is no id', () => {
    expect(parseFixEntry('not an id at all')).toBeNull();
  });

  it('alpineReleaseOf', () => {
    expect(alpineReleaseOf('v3.19')).toBe('3.19');
    expect(alpineReleaseOf('edge')).toBe('edge');
    expect(alpineReleaseOf('3.19')).toBeNull();
  });
});

describe('Alpine secdb sad cases', () => {
  it('truncated JSON', () => {
    expectDocumentError(() => parseAlpineSecdbJson(read('sad', 'truncated.json')), /^failed to parse Alpine secdb JSON document: not valid JSON/);
  });

  it('a top-level array', () => {
    expectDocumentError(() => parseAlpineSecdbJson(read('sad', 'wrong-top-level.json')), /got array/);
  });

  it('no distroversion', () => {
    expectDocumentError(() => parseAlpineSecdbJson(read('sad', 'no-distroversion.json')), /not a secdb document/);
  });

  it('a distroversion without the v', () => {
    expectDocumentError(() => parseAlpineSecdbJson(read('sad', 'bad-distroversion.json')), /unrecognized distroversion "3.19"/);
  });

  it('invalid YAML', () => {
    expectDocumentError(() => parseAlpineSecdbYaml(read('sad', 'bad-yaml.yaml')), /^failed to parse Alpine secdb YAML document: not valid YAML/);
  });

  it('bad entries are reported one by one', () => {
    const r = parseAlpineSecdbYaml(read('sad', 'bad-entries.yaml'));
    expect(r.affected.map((a) => `${a.packageName} ${a.advisoryId}`)).toEqual(['zeromq CVE-2019-6250', 'zeromq CVE-2020-15166']);
    expect(r.problems).toEqual([
      { record: 'packages[0]', message: 'entry has no pkg.name' },
      { record: 'packages[1]', message: 'entry has no pkg.name' },
      { record: 'zeromq', message: 'secfixes["4.3.2-r0"] is string, not a list of ids; skipped' },
      { record: 'zeromq', message: 'secfixes["4.3.3-r0"] is empty, not a list of ids; skipped' },
      { record: 'zeromq', message: 'secfixes["4.3.4-r0"] has a non-id entry ["nested"]' },
      { record: 'zeromq', message: 'secfixes["4.3.4-r0"]: no vulnerability id in "not an id at all"; skipped' },
      { record: 'zlib', message: 'secfixes is array, not a mapping' },
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every Alpine secdb file of the shared data', data), () => {
  it('parses; the only problems are explained upstream quirks', () => {
    const files = listFiles(path.join(data ?? '', 'alpine'));
    expect(files).toHaveLength(21);
    let advisories = 0;
    let affected = 0;
    const kinds = new Map<string, number>();
    for (const f of files) {
      const r = parseFile(f);
      advisories += r.advisories.length;
      affected += r.affected.length;
      for (const p of r.problems) {
        // An id listed under two fixed versions of one package (a fix backported to two
        // branches, or re-listed; the higher is kept), one secfixes entry that is `{}`
        // (v3.12 main.json), and fixed versions with typos apk rejects (`4.8.0.-r1`,
        // `0.8.21.r2`, `2.7.16-33`, `4.10-1-r1`…), kept as written.
        const kind = /listed under two versions, .*; kept the higher/.test(p.message)
          ? 'two versions'
          : /is object, not a list/.test(p.message)
            ? 'not a list'
            : /: fixed ".*" is not a valid apk version/.test(p.message)
              ? 'invalid version'
              : p.message;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
    expect(advisories).toBe(7939);
    expect(affected).toBe(8253);
    expect(Object.fromEntries(kinds)).toEqual({ 'two versions': 88, 'not a list': 1, 'invalid version': 37 });
  });
});
