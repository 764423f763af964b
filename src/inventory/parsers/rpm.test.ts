import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRpmQf, splitSourceRpm } from './rpm.js';
import { expectGolden } from './testdata/golden.js';
import { hasSharedData, listShared, manifestEpochVersion, manifestToRpmQf, readRpmManifests } from './testdata/shared.js';

const TESTDATA = fileURLToPath(new URL('./testdata/rpm/', import.meta.url));

describe('parseRpmQf', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.txt'));

  it.each(cases)('%s matches its golden file', (file) => {
    const result = parseRpmQf(readFileSync(join(TESTDATA, file), 'utf8'));
    expect(result.warnings).toEqual([]);
    expectGolden(join(TESTDATA, file.replace(/\.txt$/, '.golden.json')), result);
  });

  it('reads the line of docs/inventory-format.md', () => {
    const { packages, warnings } = parseRpmQf('bash\t(none)\t5.1.8\t6.el9_1\tx86_64\tbash-5.1.8-6.el9_1.src.rpm\tAlmaLinux\t(none)\n');
    expect(warnings).toEqual([]);
    expect(packages).toEqual([
      {
        manager: 'rpm',
        name: 'bash',
        epoch: null,
        version: '5.1.8',
        release: '6.el9_1',
        evr: '5.1.8-6.el9_1',
        arch: 'x86_64',
        sourceName: 'bash',
        sourceVersion: '5.1.8-6.el9_1',
        vendor: 'AlmaLinux',
        modularityLabel: null,
        unparsedReason: null,
      },
    ]);
  });

  it('puts the epoch in evr and keeps the modularity label', () => {
    const { packages } = parseRpmQf(
      'perl-IO-Socket-SSL\t1\t2.066\t4.module_el8.6.0+2811+fe6c84b0\tnoarch\tperl-IO-Socket-SSL-2.066-4.module_el8.6.0+2811+fe6c84b0.src.rpm\tAlmaLinux\tperl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456\n',
    );
    expect(packages[0]).toMatchObject({
      epoch: '1',
      evr: '1:2.066-4.module_el8.6.0+2811+fe6c84b0',
      sourceName: 'perl-IO-Socket-SSL',
      sourceVersion: '2.066-4.module_el8.6.0+2811+fe6c84b0',
      modularityLabel: 'perl-IO-Socket-SSL:2.066:8060020220422081814:fbe42456',
    });
  });

  it('accepts 7-field lines from rpm < 4.14 and CRLF line ends', () => {
    const { packages, warnings } = parseRpmQf('vim-minimal\t2\t7.4.629\t6.el7\tx86_64\tvim-7.4.629-6.el7.src.rpm\tCentOS\r\n');
    expect(warnings).toEqual([]);
    expect(packages[0]).toMatchObject({ name: 'vim-minimal', epoch: '2', evr: '2:7.4.629-6.el7', vendor: 'CentOS', modularityLabel: null, sourceName: 'vim' });
  });

  it('skips gpg-pubkey and blank lines silently and reports malformed lines by number', () => {
    const data = [
      'bash\t(none)\t5.1.8\t6.el9_1\tx86_64\tbash-5.1.8-6.el9_1.src.rpm\tAlmaLinux\t(none)',
      'gpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\t(none)\t(none)\t(none)',
      '',
      'a line without tabs',
      '\t(none)\t1.0\t1\tx86_64\tx-1.0-1.src.rpm\t(none)\t(none)',
      'noversion\t(none)\t(none)\t1\tx86_64\tx-1.0-1.src.rpm\t(none)\t(none)',
      'oddsource\t(none)\t1.0\t1\tx86_64\tnot-a-source-rpm\t(none)\t(none)',
      'too\tmany\tfields\t1\t2\t3\t4\t5\t6',
      'nosource\t(none)\t1.0\t(none)\tnoarch\t(none)\t(none)\t(none)',
      '   ',
    ].join('\n');
    const { packages, warnings } = parseRpmQf(data);
    expect(packages.map((p) => p.name)).toEqual(['bash', 'oddsource', 'nosource']);
    expect(packages[1]).toMatchObject({ sourceName: null, sourceVersion: null });
    expect(packages[2]).toMatchObject({ release: null, evr: '1.0', sourceName: null, arch: 'noarch', vendor: null });
    expect(warnings).toEqual([
      'line 4: expected 8 tab-separated fields (7 from rpm < 4.14), got 1: "a line without tabs"',
      'line 5: empty NAME: "\\t(none)\\t1.0\\t1\\tx86_64\\tx-1.0-1.src.rpm\\t(none)\\t(none)"',
      'line 6: package noversion has no VERSION: "noversion\\t(none)\\t(none)\\t1\\tx86_64\\tx-1.0-1.src.rpm\\t(none)\\t(none)"',
      'line 7: package oddsource: SOURCERPM "not-a-source-rpm" is not a name-version-release.src.rpm file name',
      'line 8: expected 8 tab-separated fields (7 from rpm < 4.14), got 9: "too\\tmany\\tfields\\t1\\t2\\t3\\t4\\t5\\t6"',
    ]);
  });

  it('cuts very long lines short in warnings', () => {
    const { warnings } = parseRpmQf('x'.repeat(10_000));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.length).toBeLessThan(200);
  });

  it('returns nothing for an empty section', () => {
    expect(parseRpmQf('')).toEqual({ packages: [], warnings: [] });
  });
});

describe('splitSourceRpm', () => {
  it.each([
    ['vim-7.4.160-5.el7.src.rpm', { name: 'vim', version: '7.4.160-5.el7' }],
    ['nodejs-18.14.2-3.module+el9.2.0.z+18964+42696395.src.rpm', { name: 'nodejs', version: '18.14.2-3.module+el9.2.0.z+18964+42696395' }],
    ['python-pip-21.2.3-6.el9.src.rpm', { name: 'python-pip', version: '21.2.3-6.el9' }],
    ['kernel-5.14.0-362.8.1.el9_3.src.rpm', { name: 'kernel', version: '5.14.0-362.8.1.el9_3' }],
    ['firmware-1.0-1.nosrc.rpm', { name: 'firmware', version: '1.0-1' }],
  ])('%s', (file, want) => {
    expect(splitSourceRpm(file)).toEqual(want);
  });

  it.each(['vim.src.rpm', 'vim-7.4.src.rpm', 'vim-7.4-1.rpm', '-7.4-1.src.rpm', 'vim--1.src.rpm', 'vim-7.4-.src.rpm', ''])('rejects %j', (file) => {
    expect(splitSourceRpm(file)).toBeNull();
  });
});

describe.skipIf(!hasSharedData)('parseRpmQf on every UBI rpm-manifest in the shared data', () => {
  const manifests = listShared('rpm-manifests').flatMap((f) => readRpmManifests(f));

  it('finds the 2 JSON manifests and the 8 txtar image manifests', () => {
    expect(manifests).toHaveLength(10);
  });

  it.each(manifests.map((m) => [m.label, m] as const))('%s', (_label, m) => {
    for (const fields of [8, 7] as const) {
      const { packages, warnings } = parseRpmQf(manifestToRpmQf(m.rpms, fields));
      expect(warnings).toEqual([]);
      expect(packages).toHaveLength(m.rpms.length);
      packages.forEach((p, i) => {
        const r = m.rpms[i]!;
        const ev = manifestEpochVersion(r);
        expect(p).toMatchObject({ name: r.name, epoch: ev.epoch, version: ev.version, release: r.release, arch: r.architecture, sourceName: r.srpm_name });
        expect(p.sourceVersion).toBe(r.srpm_nevra.slice(r.srpm_name.length + 1, -'.src'.length).replace(/^\d+:/, ''));
        expect(p.modularityLabel).toBe(fields === 8 ? (r.module ?? null) : null);
      });
    }
  });
});
