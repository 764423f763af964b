import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseSuseOval, parseSuseOvalStream } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (dir: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, dir, name));

describe('parseSuseOval golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseSuseOval(fs.readFileSync(c.file))));
    });
  }
});

describe('parseSuseOval normalization', () => {
  const r = parseSuseOval(read('happy', 'suse-15-excerpt.xml'));
  const rows = (id: string, pkg: string): string[] =>
    r.affected
      .filter((a) => a.advisoryId === id && a.packageName === pkg)
      .map((a) => `${a.distro} ${a.release} ${a.channel ?? '-'} ${a.status} ${a.ranges[0]?.fixed ?? ''}`.trim());

  it('one advisory per CVE definition, with SUSE severity, CVSS and SUSE-SU ids', () => {
    expect(r.advisories.map((a) => a.id)).toEqual(['CVE-1999-0524', 'CVE-2021-29154', 'CVE-2010-1323', 'CVE-2026-34073']);
    const a = r.advisories[1]!;
    expect(a).toMatchObject({ source: 'suse-oval', cves: ['CVE-2021-29154'], severity: { vendor: 'Important', normalized: 'high' }, published: '2021-04-30', modified: '2021-07-14' });
    expect(a.cvss).toEqual([{ version: '3.1', vector: 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7, source: 'security@suse.de' }]);
    expect(a.relatedIds).toContain('SUSE-SU-2021:1573-1');
    // "CVE-2010-1323 at NVD" carries NVD's score
    expect(r.advisories[2]?.cvss).toMatchObject([{ version: '3.0', baseScore: 3.7, source: 'nvd@nist.gov' }]);
  });

  it('maps products to release keys and channels (SP, LTSS, BCL, SAP, modules, extensions)', () => {
    expect(rows('CVE-2021-29154', 'kernel-default')).toEqual([
      'sles 15 ltss fixed 0:4.12.14-150.72.1',
      'sles 15.1 bcl fixed 0:4.12.14-197.89.2',
      'sles 15.1 ltss fixed 0:4.12.14-197.89.2',
      'sles_sap 15 - fixed 4.12.14-150.72.1',
      'sles_sap 15.1 - fixed 4.12.14-197.89.2',
    ]);
    expect(rows('CVE-2021-29154', 'kernel-default-extra')).toEqual([
      'sles 15.2 workstation-extension fixed 5.3.18-24.61.1',
      'sles 15.3 workstation-extension fixed 5.3.18-59.5.2',
    ]);
    expect(rows('CVE-2010-1323', 'krb5-server')).toEqual([
      'sle_hpc 15 - fixed 1.15.2-4.25',
      'sles 15 module-server-applications fixed 1.15.2-4.25',
      'sles 15 - fixed 1.15.2-4.25',
      'sles_sap 15 - fixed 1.15.2-4.25',
    ]);
  });

  it('"X is not affected" (version equals 0) is not_affected', () => {
    expect(rows('CVE-1999-0524', 'kernel-default')).toEqual(['sles 15 module-basesystem not_affected', 'sles 15 module-development-tools not_affected']);
    expect(rows('CVE-2026-34073', 'python3-cryptography')).toEqual(['sles 15 - not_affected']);
  });

  it('reports the criteria read from comments: tests missing from the truncated excerpt and an unknown evr operation', () => {
    expect(r.problems).toEqual([
      { record: 'document', message: 'package criteria read from their comment (count): test not in the document (25), test with evr operation "6" (8)' },
    ]);
  });

  it('reads the same from a stream', async () => {
    async function* chunks(): AsyncGenerator<string> {
      const text = read('happy', 'suse-15-excerpt.xml').toString();
      for (let i = 0; i < text.length; i += 777) {
        await Promise.resolve();
        yield text.slice(i, i + 777);
      }
    }
    expect(await parseSuseOvalStream(chunks())).toEqual(r);
  });
});

describe('parseSuseOval sad cases', () => {
  it('refuses a DOCTYPE with an external entity', () => {
    expectDocumentError(() => parseSuseOval(read('sad', 'doctype-xxe.xml')), /^failed to parse SUSE OVAL document: the document declares entities/);
  });

  it('a wrong root element and truncated XML are document errors', () => {
    expectDocumentError(() => parseSuseOval(read('sad', 'wrong-root.xml')), /the root element is <definitions>, not <oval_definitions>/);
    expectDocumentError(() => parseSuseOval(read('sad', 'truncated.xml')), /not well-formed XML/);
  });

  it('a bad CVSS vector is reported and left out', () => {
    const r = parseSuseOval(read('sad', 'bad-cvss-vector.xml'));
    expect(r.advisories.find((a) => a.id === 'CVE-2021-29154')?.cvss).toEqual([]);
    expect(r.problems.filter((p) => p.record === 'CVE-2021-29154')).toEqual([
      { record: 'CVE-2021-29154', message: 'CVE-2021-29154 cvss3: invalid CVSS vector "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H": base metrics incomplete; ignored' },
    ]);
  });

  it('products that are not OS releases are skipped and reported', () => {
    const doc = `<?xml version="1.0"?><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions>
<definition id="oval:org.opensuse.security:def:1" version="1" class="vulnerability"><metadata><title>CVE-2021-0001</title></metadata>
<criteria operator="OR">
 <criteria operator="AND"><criterion test_ref="t1" comment="SUSE Linux Enterprise Storage 7 is installed"/><criterion test_ref="t2" comment="ceph-15.2.1-1.1 is installed"/></criteria>
 <criteria operator="AND"><criterion test_ref="t3" comment="openSUSE Leap 15.5 is installed"/><criterion test_ref="t4" comment="ceph-16.2.1-1.1 is installed"/></criteria>
</criteria></definition></definitions></oval_definitions>`;
    const r = parseSuseOval(doc);
    expect(r.affected.map((a) => `${a.distro} ${a.release} ${a.packageName} ${a.ranges[0]?.fixed ?? ''}`)).toEqual(['opensuse-leap 15.5 ceph 16.2.1-1.1']);
    expect(r.problems.map((p) => p.message)).toEqual([
      'package criteria read from their comment (count): test not in the document (2)',
      'rows skipped for products that are not OS releases (criteria count): SUSE Linux Enterprise Storage 7 (1)',
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every SUSE OVAL file of the shared data', data), () => {
  it('parses the excerpt: 4 advisories, 71 rows, the explained comment fallbacks', () => {
    const files = listFiles(path.join(data ?? '', 'suse', 'oval'));
    expect(files.map((f) => path.basename(f))).toEqual(['suse-oval-excerpt.xml']);
    const r = parseSuseOval(fs.readFileSync(files[0]!));
    expect([r.advisories.length, r.affected.length]).toEqual([4, 71]);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^package criteria read from their comment/)]);
  });
});
