import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseRedHatOval, parseRedHatOvalStream } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (dir: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, dir, name));

describe('parseRedHatOval golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseRedHatOval(fs.readFileSync(c.file))));
    });
  }
});

/** A minimal document around one definition, for cases the shared data does not have. */
function oval(definition: string, rest = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:red-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<definitions>${definition}</definitions>${rest}
</oval_definitions>`;
}

describe('parseRedHatOval normalization', () => {
  it('resolves package criteria through rpminfo test → object name and state evr, ignoring signature checks', () => {
    const r = parseRedHatOval(read('happy', 'rhel-9-with-tests.xml'));
    expect(r.problems).toEqual([]);
    expect(r.advisories.map((a) => [a.id, a.cves, a.severity, a.published])).toEqual([
      ['RHSA-2022:4584', ['CVE-2018-25032'], { vendor: 'Important', normalized: 'high' }, '2022-05-17'],
    ]);
    expect(r.advisories[0]?.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:H', baseScore: 8.2, source: 'secalert@redhat.com' },
    ]);
    expect(r.affected.map((a) => `${a.distro} ${a.release} ${a.packageName} ${a.status} ${a.ranges[0]?.fixed ?? ''}`)).toEqual([
      'rhel 9 zlib fixed 0:1.2.11-31.el9_0.1',
      'rhel 9 zlib-devel fixed 0:1.2.11-31.el9_0.1',
      'rhel 9 zlib-static fixed 0:1.2.11-31.el9_0.1',
    ]);
  });

  it('takes module streams from "Module x:y is enabled" and skips Red Hat CoreOS rows', () => {
    const r = parseRedHatOval(read('happy', 'rhel-8-modules-coreos.xml'));
    const pg = r.affected.filter((a) => a.advisoryId === 'RHSA-2023:7581');
    expect(new Set(pg.map((a) => a.moduleStream))).toEqual(new Set(['postgresql:13']));
    expect(pg.find((a) => a.packageName === 'postgresql')?.ranges).toEqual([{ introduced: '0', fixed: '0:13.13-1.module+el8.9.0+20664+9c30cf7f' }]);
    expect(r.affected.find((a) => a.packageName === 'firefox')).toMatchObject({ release: '8', moduleStream: null, channel: null });
    expect(r.affected.every((a) => a.release === '8' && a.distro === 'rhel')).toBe(true);
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^71 package criteria refer to tests that are not in the document/),
      'rows skipped for platforms that are not RHEL releases (criteria count): Red Hat CoreOS 4 (10)',
    ]);
  });

  it('names an old definition with a placeholder RHSA-0000-0000 after its definition id', () => {
    const r = parseRedHatOval(read('happy', 'rhel-3-rhba-placeholder-id.xml'));
    expect(r.advisories[0]).toMatchObject({ id: 'RHBA-2007:0026', cves: ['CVE-2000-1191'], relatedIds: ['RHSA-0000-0000'] });
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'None', normalized: 'negligible' });
    expect(r.affected).toMatchObject([{ release: '3', packageName: 'htdig', ranges: [{ introduced: '0', fixed: '2:3.1.6-7.el3' }] }]);
  });

  it('uses the release of the file when a definition names none', () => {
    const def = `<definition class="patch" id="oval:com.redhat.rhsa:def:20240001" version="1"><metadata><title>RHSA-2024:0001: foo security update (Low)</title></metadata>
      <criteria operator="AND"><criterion comment="foo is earlier than 0:1.0-2.el9" test_ref="t1"/></criteria></definition>`;
    expect(parseRedHatOval(oval(def)).problems).toEqual([
      { record: 'RHSA-2024:0001', message: expect.stringMatching(/packages under no RHEL release/) as unknown },
      { record: 'document', message: expect.stringMatching(/^1 package criteria refer to tests/) as unknown },
    ]);
    expect(parseRedHatOval(oval(def), { release: '9' }).affected).toMatchObject([{ release: '9', packageName: 'foo', status: 'fixed' }]);
  });

  // Hand-written in the shape of Red Hat's "including unpatched" files: the "Unaffected
  // components" definition is the one quoted in wazuh/wazuh#6277; the resolution states
  // follow Red Hat's OVAL v2 metadata (<affected><resolution state><component>).
  it('reads unpatched and unaffected vulnerability definitions', () => {
    const doc = oval(`
<definition class="vulnerability" id="oval:com.redhat.cve:def:20231234" version="1">
 <metadata><title>CVE-2023-1234 foo: a flaw (moderate)</title>
  <affected family="unix"><platform>Red Hat Enterprise Linux 8</platform></affected>
  <reference ref_id="CVE-2023-1234" ref_url="https://access.redhat.com/security/cve/CVE-2023-1234" source="CVE"/>
  <advisory from="secalert@redhat.com"><severity>Moderate</severity>
   <affected><resolution state="Will not fix"><component>foo</component><component>foo-libs</component></resolution>
    <resolution state="Fix deferred"><component>bar</component></resolution></affected>
  </advisory></metadata>
 <criteria operator="OR"><criterion comment="Red Hat Enterprise Linux must be installed" test_ref="t0"/>
  <criteria operator="AND"><criterion comment="Red Hat Enterprise Linux 8 is installed" test_ref="t1"/>
   <criteria operator="OR">
    <criteria operator="AND"><criterion comment="foo is installed" test_ref="t2"/><criterion comment="foo is signed with Red Hat redhatrelease2 key" test_ref="t3"/></criteria>
    <criteria operator="AND"><criterion comment="foo-libs is installed" test_ref="t4"/></criteria>
    <criteria operator="AND"><criterion comment="bar is installed" test_ref="t5"/></criteria>
    <criteria operator="AND"><criterion comment="baz is installed" test_ref="t6"/></criteria>
   </criteria></criteria></criteria>
</definition>
<definition class="vulnerability" id="oval:com.redhat.unaffected:def:20072764" version="631">
   <metadata>
    <title>Unaffected components for: CVE-2007-2764 kernel: denial of service via unspecified vectors (moderate)</title>
    <reference ref_id="CVE-2007-2764" ref_url="https://access.redhat.com/security/cve/CVE-2007-2764" source="CVE"/>
    <description>Red Hat's versions of the associated software have been determined to NOT be affected by CVE-2007-2764.</description>
    <advisory from="secalert@redhat.com">
     <severity>Moderate</severity>
    </advisory>
   </metadata>
      <criteria operator="AND">
       <criterion comment="kernel-headers is installed" test_ref="oval:com.redhat.cve:tst:201810940079"/>
       <criterion comment="kernel-headers is not installed" test_ref="oval:com.redhat.unaffected:tst:20072764008"/>
      </criteria>
</definition>`);
    const r = parseRedHatOval(doc, { release: '8' });
    expect(r.advisories.map((a) => a.id)).toEqual(['CVE-2023-1234', 'CVE-2007-2764']);
    expect(r.affected.map((a) => `${a.advisoryId} ${a.packageName} ${a.status} ${JSON.stringify(a.ranges)} ${a.note ?? ''}`)).toEqual([
      'CVE-2023-1234 foo will_not_fix [{"introduced":"0"}] Will not fix',
      'CVE-2023-1234 foo-libs will_not_fix [{"introduced":"0"}] Will not fix',
      'CVE-2023-1234 bar fix_deferred [{"introduced":"0"}] Fix deferred',
      'CVE-2023-1234 baz affected [{"introduced":"0"}] ',
      'CVE-2007-2764 kernel-headers not_affected [] ',
    ]);
  });

  it('reads a document streamed in small chunks, also split inside multi-byte characters', async () => {
    const bytes = read('happy', 'rhel-9-with-tests.xml');
    const withAccent = Buffer.from(bytes.toString('utf8').replace('zlib security update', 'zlib security update — é'));
    async function* chunks(b: Buffer, size: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < b.length; i += size) {
        await Promise.resolve();
        yield b.subarray(i, i + size);
      }
    }
    const whole = parseRedHatOval(withAccent);
    const streamed = await parseRedHatOvalStream(chunks(withAccent, 5));
    expect(streamed).toEqual(whole);
    expect(streamed.advisories[0]?.title).toBe('RHSA-2022:4584: zlib security update — é (Important)');
  });
});

describe('parseRedHatOval sad cases', () => {
  it('refuses a DOCTYPE with an external entity (XXE)', () => {
    expectDocumentError(() => parseRedHatOval(read('sad', 'doctype-xxe.xml')), /^failed to parse Red Hat OVAL document: the document declares entities/);
  });

  it('refuses an entity expansion bomb (billion laughs) without expanding it', () => {
    expectDocumentError(() => parseRedHatOval(read('sad', 'billion-laughs.xml')), /declares entities .*DTDs and entity declarations are refused/);
  });

  it('refuses a bare DOCTYPE too', () => {
    expectDocumentError(() => parseRedHatOval('<!DOCTYPE oval_definitions><oval_definitions/>'), /has a <!DOCTYPE>; DTDs are refused/);
  });

  it('a wrong root element is a document error', () => {
    expectDocumentError(() => parseRedHatOval(read('sad', 'wrong-root.xml')), /the root element is <oval_results>, not <oval_definitions>/);
    expectDocumentError(() => parseRedHatOval('<oval_definitions/>'), /in namespace "", not http:\/\/oval\.mitre\.org/);
  });

  it('truncated XML is a document error', () => {
    expectDocumentError(() => parseRedHatOval(read('sad', 'truncated.xml')), /not well-formed XML/);
  });

  it('an upstream excerpt with unbalanced <definitions> is a document error', () => {
    expectDocumentError(() => parseRedHatOval(read('sad', 'nested-definitions-not-well-formed.xml')), /not well-formed XML \(80:19: unexpected close tag/);
  });

  it('invalid UTF-8 and an empty document are document errors', () => {
    expectDocumentError(() => parseRedHatOval(new Uint8Array([0x3c, 0x61, 0xff, 0x3e])), /not valid UTF-8/);
    expectDocumentError(() => parseRedHatOval(''), /no root element|not well-formed/);
  });

  it('reports a bad CVSS vector, a comment that disagrees with its test and a missing state', () => {
    const r = parseRedHatOval(read('sad', 'bad-cvss-comment-mismatch-missing-state.xml'));
    expect(r.advisories[0]?.cvss).toEqual([]);
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'Important', normalized: 'high' });
    expect(r.affected.map((a) => `${a.packageName} ${a.ranges[0]?.fixed ?? ''}`)).toEqual([
      'zlib 0:1.2.11-31.el9_0.1',
      'zlib-devel 0:1.2.11-31.el9_0.1',
      'zlib-static 0:1.2.11-31.el9_0.1',
    ]);
    expect(r.problems.map((p) => `${p.record}: ${p.message}`)).toEqual([
      'RHSA-2022:4584: CVE-2018-25032 cvss3: invalid CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:Q": unknown metric or metric value; ignored',
      'RHSA-2022:4584: criterion comment "zlib-devel is earlier than 0:1.2.11-30.el9" disagrees with its test (zlib-devel fixed 0:1.2.11-31.el9_0.1); the test is used',
      'RHSA-2022:4584: criterion "zlib-static is earlier than 0:1.2.11-31.el9_0.1": test oval:com.redhat.rhsa:tst:20224584005: state oval:com.redhat.rhsa:ste:99999999999 is not in the document; read from the comment',
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every Red Hat OVAL file of the shared data', data), () => {
  it('parses the excerpts (tests stripped upstream: read from comments) and rejects the malformed one', () => {
    const files = listFiles(path.join(data ?? '', 'redhat', 'oval')).map((f) => path.basename(f));
    expect(files).toEqual(['oval-v1-centos-3-entry.xml', 'oval-v2-rhel-7-entry.xml', 'rhel-7.oval.xml', 'rhel-8.oval.xml']);
    const counts: Record<string, [number, number]> = {};
    const problems: string[] = [];
    for (const f of ['oval-v1-centos-3-entry.xml', 'rhel-7.oval.xml', 'rhel-8.oval.xml']) {
      const r = parseRedHatOval(fs.readFileSync(path.join(data ?? '', 'redhat', 'oval', f)));
      counts[f] = [r.advisories.length, r.affected.length];
      for (const p of r.problems) problems.push(`${f}: ${p.message}`);
      for (const a of r.affected) expect(a).toMatchObject({ distro: 'rhel', channel: null, status: 'fixed', scheme: 'rpm' });
    }
    expect(counts).toEqual({ 'oval-v1-centos-3-entry.xml': [1, 1], 'rhel-7.oval.xml': [7, 39], 'rhel-8.oval.xml': [10, 71] });
    expect(problems).toEqual([
      expect.stringMatching(/^oval-v1-centos-3-entry\.xml: 1 package criteria refer to tests that are not in the document/),
      expect.stringMatching(/^rhel-7\.oval\.xml: 39 package criteria refer to tests that are not in the document/),
      expect.stringMatching(/^rhel-8\.oval\.xml: 71 package criteria refer to tests that are not in the document/),
      'rhel-8.oval.xml: rows skipped for platforms that are not RHEL releases (criteria count): Red Hat CoreOS 4 (10)',
    ]);
    // vunnel's fixture nests <definitions> twice and closes it once: not XML.
    expectDocumentError(() => parseRedHatOval(fs.readFileSync(path.join(data ?? '', 'redhat', 'oval', 'oval-v2-rhel-7-entry.xml'))), /unexpected close tag/);
  });

  it('gives CentOS 7 hosts the RHEL 7 fixes (release "7")', () => {
    const r = parseRedHatOval(fs.readFileSync(path.join(data ?? '', 'redhat', 'oval', 'rhel-7.oval.xml')));
    expect(r.affected.find((a) => a.advisoryId === 'RHSA-2023:5191')).toMatchObject({
      release: '7',
      packageName: 'thunderbird',
      ranges: [{ introduced: '0', fixed: '0:102.15.1-1.el7_9' }],
    });
  });
});
