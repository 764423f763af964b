import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectDocumentError } from '../testdata/errors.js';
import { expectGolden, happyCases, listFiles, sharedDataDir, sharedDataTitle, sortedResult } from '../testdata/helpers.js';
import { parseCsaf, parseCsafValue } from './parse.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const read = (dir: 'happy' | 'sad', name: string): Buffer => fs.readFileSync(path.join(testdata, dir, name));
const happy = (name: string) => parseCsaf(read('happy', `${name}.json`));
const line = (a: { packageName: string; distro: string; release: string; channel: string | null; status: string; ranges: { fixed?: string }[] }): string =>
  `${a.distro} ${a.release} ${a.channel ?? '-'} ${a.packageName} ${a.status} ${a.ranges[0]?.fixed ?? ''}`.trim();

describe('parseCsaf golden cases', () => {
  for (const c of happyCases(testdata)) {
    it(c.name, () => {
      expectGolden(c.golden, sortedResult(parseCsaf(fs.readFileSync(c.file))));
    });
  }
});

describe('parseCsaf: Red Hat advisories', () => {
  it('maps AUS/E4S/TUS streams to channels, collapses architectures and skips source RPMs', () => {
    const r = happy('rhsa-2024_4546-aus-e4s-tus');
    expect(r.problems).toEqual([]);
    expect(r.advisories[0]).toMatchObject({
      id: 'RHSA-2024:4546',
      source: 'redhat-csaf',
      cves: ['CVE-2023-45288'],
      title: 'Red Hat Security Advisory: git-lfs security update',
      severity: { vendor: 'Important', normalized: 'high' },
      published: '2024-07-15T16:12:25+00:00',
      modified: '2024-07-16T13:38:03+00:00',
    });
    expect(r.advisories[0]?.cvss).toMatchObject([{ version: '3.1', baseScore: 7.5, source: 'Red Hat Product Security' }]);
    expect(r.affected.map(line)).toEqual([
      'rhel 8 aus:8.6 git-lfs fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 aus:8.6 git-lfs-debuginfo fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 aus:8.6 git-lfs-debugsource fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 e4s:8.6 git-lfs fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 e4s:8.6 git-lfs-debuginfo fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 e4s:8.6 git-lfs-debugsource fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 tus:8.6 git-lfs fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 tus:8.6 git-lfs-debuginfo fixed 0:2.13.3-3.el8_6.1',
      'rhel 8 tus:8.6 git-lfs-debugsource fixed 0:2.13.3-3.el8_6.1',
    ]);
    expect(r.affected.every((a) => a.arch === null && a.moduleStream === null)).toBe(true);
  });

  it('follows nested relationships of module builds (package → module → stream)', () => {
    const r = happy('rhsa-2024_6220-module-nested-excerpt');
    expect(r.problems).toEqual([]);
    expect(new Set(r.affected.map((a) => `${a.channel ?? '-'} ${a.moduleStream ?? '-'}`))).toEqual(new Set(['aus:8.6 python39:3.9']));
    expect(r.affected.find((a) => a.packageName === 'python39-pyyaml')?.ranges).toEqual([{ introduced: '0', fixed: '0:5.4.1-1.module+el8.5.0+10613+59a13ec4' }]);
  });

  it('reads the stream of older module advisories from rpmmod (name:stream:version:context)', () => {
    const r = happy('rhsa-2023_3821-rpmmod-excerpt');
    expect(r.problems).toEqual([]);
    expect(new Set(r.affected.map((a) => `${a.release} ${a.channel ?? '-'} ${a.moduleStream ?? '-'}`))).toEqual(new Set(['8 - ruby:2.7']));
    expect(r.affected.find((a) => a.packageName === 'ruby')?.ranges).toEqual([{ introduced: '0', fixed: '2.7.8-139.module+el8.8.0+18745+f1bef313' }]);
  });

  it('keys an excerpt that lists only source RPMs by the source name, reported', () => {
    const r = happy('rhsa-2024_6163-source-only-excerpt');
    expect(r.affected).toMatchObject([{ packageName: 'python3.9', release: '9', channel: null, ranges: [{ fixed: '0:3.9.18-3.el9_4.5' }], note: 'source package' }]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'only source RPMs listed for a stream; rows keyed by the source package name (note "source package"): python3.9 (rhel 9) (3)',
    ]);
  });
});

describe('parseCsaf: VEX', () => {
  it('not affected products keep the flag as note', () => {
    const r = happy('vex-cve-2021-0084-not-affected');
    expect(r.advisories[0]).toMatchObject({ id: 'CVE-2021-0084', source: 'redhat-vex', severity: { vendor: 'important', normalized: 'high' } });
    expect(r.affected.map((a) => `${a.release} ${a.packageName} ${a.status} ${a.note ?? ''} ${JSON.stringify(a.ranges)}`)).toEqual([
      '5 kernel not_affected vulnerable_code_not_present []',
      '6 kernel not_affected vulnerable_code_not_present []',
      '7 kernel not_affected vulnerable_code_not_present []',
      '7 kernel-alt not_affected vulnerable_code_not_present []',
      '7 kernel-rt not_affected vulnerable_code_not_present []',
      '8 kernel not_affected vulnerable_code_not_present []',
      '8 kernel-rt not_affected vulnerable_code_not_present []',
      '9 kernel not_affected vulnerable_code_not_present []',
    ]);
  });

  it('takes statuses from remediations when product_status is missing; the erratum is the note', () => {
    const r = happy('vex-cve-2024-10041-remediations');
    expect(r.affected).toMatchObject([{ release: '9', packageName: 'pam', status: 'fixed', ranges: [{ fixed: '0:1.5.1-21.el9_5' }], note: 'RHSA-2024:9941' }]);
    expect(r.advisories[0]?.relatedIds).toEqual(['RHSA-2024:9941']);
    expect(r.problems.map((p) => p.message)).toEqual([
      'product ids not in the product tree (skipped): red_hat_enterprise_linux_7:pam (1)',
      'products with no product_status; status taken from their remediation: BaseOS-9.5.0.Z.MAIN:pam-0:1.5.1-21.el9_5.aarch64 (vendor_fix) (1), BaseOS-9.5.0.Z.MAIN:pam-0:1.5.1-21.el9_5.x86_64 (vendor_fix) (1), red_hat_enterprise_linux_7:pam (no_fix_planned) (1)',
    ]);
  });

  it('curl: fixed per stream (EUS channel), not affected components, layered products skipped', () => {
    const r = happy('vex-cve-2023-38545-excerpt');
    expect(r.affected.map(line)).toEqual([
      'rhel 9 eus:9.0 curl fixed 0:7.76.1-14.el9_0.9',
      'rhel 9 eus:9.0 libcurl fixed 0:7.76.1-14.el9_0.9',
      'rhel 9 - curl fixed 0:7.76.1-26.el9_3.2',
      'rhel 9 - libcurl fixed 0:7.76.1-26.el9_3.2',
      'rhel 7 - curl not_affected',
      'rhel 7 - libcurl not_affected',
      'rhel 7 - libcurl-devel not_affected',
      'rhel 8 - curl not_affected',
      'rhel 8 - libcurl not_affected',
      'rhel 8 - libcurl-devel not_affected',
      'rhel 8 - libcurl-minimal not_affected',
    ]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'rows skipped for products that are not RHEL-family releases: cpe:/a:redhat:jboss_core_services:1::el8 (1)',
      // BaseOS-9.2.0.Z.MAIN.EUS carries the mainline CPE enterprise_linux:9::baseos.
      'several fixed builds for one stream; the highest is kept: curl (rhel 9 x86_64): 0:7.76.1-23.el9_2.4 and 0:7.76.1-26.el9_3.2; libcurl (rhel 9 x86_64): 0:7.76.1-23.el9_2.4 and 0:7.76.1-26.el9_3.2',
    ]);
  });

  // Hand-written in the shape of Red Hat's VEX files (known_affected + remediations); the
  // shared data has no unfixed product.
  it('maps no_fix_planned / none_available details to will_not_fix, end_of_life, fix_deferred, affected', () => {
    const doc = {
      document: { category: 'csaf_vex', csaf_version: '2.0', publisher: { name: 'Red Hat Product Security', namespace: 'https://www.redhat.com' }, tracking: { id: 'CVE-2024-0001' } },
      product_tree: {
        branches: [
          {
            category: 'vendor',
            name: 'Red Hat',
            branches: [
              { category: 'product_name', name: 'Red Hat Enterprise Linux 8', product: { name: 'Red Hat Enterprise Linux 8', product_id: 'rhel8', product_identification_helper: { cpe: 'cpe:/o:redhat:enterprise_linux:8' } } },
              ...['a', 'b', 'c', 'd', 'e'].map((n) => ({ category: 'product_version', name: n, product: { name: n, product_id: n, product_identification_helper: { purl: `pkg:rpm/redhat/${n}` } } })),
            ],
          },
        ],
        relationships: ['a', 'b', 'c', 'd', 'e'].map((n) => ({
          category: 'default_component_of',
          full_product_name: { name: `${n} as a component of RHEL 8`, product_id: `rhel8:${n}` },
          product_reference: n,
          relates_to_product_reference: 'rhel8',
        })),
      },
      vulnerabilities: [
        {
          cve: 'CVE-2024-0001',
          product_status: { known_affected: ['rhel8:a', 'rhel8:b', 'rhel8:c', 'rhel8:d'], under_investigation: ['rhel8:e'] },
          remediations: [
            { category: 'no_fix_planned', details: 'Will not fix', product_ids: ['rhel8:a'] },
            { category: 'no_fix_planned', details: 'Out of support scope', product_ids: ['rhel8:b'] },
            { category: 'none_available', details: 'Deferred', product_ids: ['rhel8:c'] },
            { category: 'none_available', details: 'Affected', product_ids: ['rhel8:d'] },
          ],
          threats: [{ category: 'impact', details: 'Low', product_ids: ['rhel8:a'] }],
        },
      ],
    };
    const r = parseCsafValue(doc);
    expect(r.problems).toEqual([]);
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'Low', normalized: 'low' });
    expect(r.affected.map((a) => `${a.packageName} ${a.status} ${JSON.stringify(a.ranges)} ${a.note ?? ''}`)).toEqual([
      'a will_not_fix [{"introduced":"0"}] Will not fix',
      'b end_of_life [{"introduced":"0"}] Out of support scope',
      'c fix_deferred [{"introduced":"0"}] Deferred',
      'd affected [{"introduced":"0"}] Affected',
      'e under_investigation [{"introduced":"0"}] ',
    ]);
  });
});

describe('parseCsaf: CIQ (Rocky Linux)', () => {
  it('maps Rocky Linux from CIQ to rocky with a ciq channel and finds the mirrored RHSA/RLSA', () => {
    const r = happy('crlsa-2024-2437');
    expect(r.problems).toEqual([]);
    expect(r.advisories[0]).toMatchObject({ id: 'CRLSA-2024:2437', source: 'rocky-csaf', cves: ['CVE-2023-45897'], relatedIds: ['RHSA-2024:2437', 'RLSA-2024:2437'] });
    expect(r.affected.map(line)).toEqual([
      'rocky 9 ciq exfatprogs fixed 0:1.2.2-2.el9',
      'rocky 9 ciq exfatprogs-debuginfo fixed 0:1.2.2-2.el9',
      'rocky 9 ciq exfatprogs-debugsource fixed 0:1.2.2-2.el9',
    ]);
  });

  it('takes the module stream from the title when the product tree names none', () => {
    const r = happy('crlsa-2021-0734-module-from-title');
    expect(new Set(r.affected.map((a) => a.moduleStream))).toEqual(new Set(['nodejs:12']));
    expect(r.problems.map((p) => p.message)).toEqual([
      'module builds without a stream in the product tree; the stream named in the title was used: nodejs:12 (34)',
      expect.stringMatching(/^several fixed builds for one stream; the highest is kept: nodejs-nodemon \(rocky 8 ciq:8\.6 noarch\)/),
    ]);
  });

  it('maps a product stream without CPE by its name', () => {
    const r = happy('crlsa-2026-49838-product-without-cpe');
    expect(new Set(r.affected.map((a) => `${a.distro} ${a.release} ${a.channel ?? '-'}`))).toEqual(new Set(['rocky 9 ciq:9.8']));
    expect(r.problems.map((p) => p.message)).toEqual(['product streams without a CPE, mapped by their name: Rocky Linux 9.8 from CIQ (58)']);
  });

  it('CIQ VEX: LTS streams as ciq-lts channels; the CentOS Bridge is not a release we key', () => {
    const r = happy('vex-ciq-cve-2026-22801-lts-bridge');
    expect(r.advisories[0]).toMatchObject({ id: 'CVE-2026-22801', source: 'rocky-vex' });
    expect(new Set(r.affected.map((a) => `${a.distro} ${a.release} ${a.channel ?? '-'} ${a.status}`))).toEqual(new Set(['rocky 9 ciq-lts:9.2 fixed']));
    expect(r.affected.find((a) => a.packageName === 'libpng')?.ranges).toEqual([{ introduced: '0', fixed: '1.6.37-12.1.el9_2_ciq' }]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'rows skipped for products that are not RHEL-family releases: cpe:2.3:o:ciq:centos_linux_bridge:7.9:*:*:*:*:*:*:* (1)',
    ]);
  });
});

describe('parseCsaf sad cases', () => {
  it('truncated JSON, a JSON array and a non-CSAF object are document errors', () => {
    expectDocumentError(() => parseCsaf(read('sad', 'truncated.json')), /^failed to parse CSAF document: not valid JSON/);
    expectDocumentError(() => parseCsaf(read('sad', 'wrong-top-level.json')), /expected a CSAF document object, got array/);
    expectDocumentError(() => parseCsaf(read('sad', 'not-csaf.json')), /no "document" object/);
  });

  it('an unsupported category or publisher, or no tracking id, is a document error', () => {
    const base = JSON.parse(read('happy', 'rhsa-2024_4546-aus-e4s-tus.json').toString()) as { document: Record<string, unknown> };
    expectDocumentError(() => parseCsafValue({ ...base, document: { ...base.document, category: 'csaf_base' } }), /document\.category is "csaf_base"/);
    expectDocumentError(
      () => parseCsafValue({ ...base, document: { ...base.document, publisher: { name: 'Example', namespace: 'https://example.com' } } }),
      /unsupported publisher "https:\/\/example\.com Example"/,
    );
    expectDocumentError(() => parseCsafValue({ ...base, document: { ...base.document, tracking: {} } }), /tracking\.id is missing/);
  });

  it('product ids that are not in the product tree are reported; the rest is kept', () => {
    const r = parseCsaf(read('sad', 'unknown-product-id.json'));
    expect(r.affected).toHaveLength(9);
    expect(r.problems.map((p) => p.message)).toEqual([
      'product ids not in the product tree (skipped): AppStream-8.6.0.Z.AUS:git-lfs-0:9.9.9-1.el8_6.x86_64 (1), no-such-product (1)',
    ]);
  });

  it('a bad CVSS vector is reported and left out', () => {
    const r = parseCsaf(read('sad', 'bad-cvss-vector.json'));
    expect(r.advisories[0]?.cvss).toEqual([]);
    expect(r.advisories[0]?.severity).toEqual({ vendor: 'Important', normalized: 'high' });
    expect(r.problems.map((p) => p.message)).toEqual([
      'CVE-2023-45288 scores[0].cvss_v3: invalid CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:Q": unknown metric or metric value; ignored',
    ]);
  });
});

const data = sharedDataDir();

describe.skipIf(data === null)(sharedDataTitle('every CSAF file of the shared data', data), () => {
  const summarize = (dir: string): { files: number; advisories: number; affected: number; problems: string[] } => {
    const files = listFiles(dir);
    let advisories = 0;
    let affected = 0;
    const problems: string[] = [];
    for (const f of files) {
      const r = parseCsaf(fs.readFileSync(f));
      advisories += r.advisories.length;
      affected += r.affected.length;
      for (const p of r.problems) problems.push(`${path.basename(f)}: ${p.message.replace(/:.*/, '')}`);
    }
    return { files: files.length, advisories, affected, problems: [...new Set(problems)] };
  };

  it('Red Hat advisories: 8 documents; only the source-only excerpts of vunnel are reported', () => {
    expect(summarize(path.join(data ?? '', 'redhat', 'csaf-advisories'))).toEqual({
      files: 8,
      advisories: 8,
      affected: 263,
      problems: [
        'rhsa-2024_6163.json: only source RPMs listed for a stream; rows keyed by the source package name (note "source package")',
        'rhsa-2024_9371.json: only source RPMs listed for a stream; rows keyed by the source package name (note "source package")',
      ],
    });
  });

  it('Red Hat VEX: 5 documents; layered products, the EUS product on a mainline CPE and the trimmed trivy fixture are reported', () => {
    expect(summarize(path.join(data ?? '', 'redhat', 'csaf-vex'))).toEqual({
      files: 5,
      advisories: 5,
      affected: 164,
      problems: [
        'cve-2023-38545.json: rows skipped for products that are not RHEL-family releases',
        'cve-2023-38545.json: several fixed builds for one stream; the highest is kept',
        'cve-2023-4154.json: rows skipped for products that are not RHEL-family releases',
        'cve-2024-24786-simple.json: rows skipped for products that are not RHEL-family releases',
        'cve-2024-10041.json: product ids not in the product tree (skipped)',
        'cve-2024-10041.json: products with no product_status; status taken from their remediation',
      ],
    });
  });

  it('CIQ: 33 advisories and 4 VEX documents; module streams from titles, CIQ quirks reported', () => {
    const s = summarize(path.join(data ?? '', 'rocky', 'csaf-ciq'));
    expect({ files: s.files, advisories: s.advisories, affected: s.affected }).toEqual({ files: 37, advisories: 37, affected: 282 });
    expect(s.problems.map((p) => p.replace(/^[^:]+: /, ''))).toEqual(
      expect.arrayContaining(['module builds without a stream in the product tree; the stream named in the title was used']),
    );
    expect(new Set(s.problems.map((p) => p.replace(/^[^:]+: /, '')))).toEqual(
      new Set([
        'module builds without a stream in the product tree; the stream named in the title was used',
        'several fixed builds for one stream; the highest is kept',
        'product streams without a CPE, mapped by their name',
        'rows skipped for products that are not RHEL-family releases',
      ]),
    );
  });
});
