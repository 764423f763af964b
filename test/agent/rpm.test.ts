/**
 * `mamori-agent collect` on a real rpm database, built here with rpmbuild and
 * `rpm -i --justdb` from two tiny packages.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAVE,
  SHELLS,
  agentEnv,
  dataLines,
  parseDocument,
  put,
  removeTmpDirs,
  runAgent,
  section,
  stubBin,
  tmpDir,
  which,
} from './helpers.js';

afterAll(removeTmpDirs);

const MODULE = 'nodejs:18:8090020230602070317:ad008a3a';

const SPECS = {
  'mamori-epoch': `Name: mamori-epoch
Epoch: 3
Version: 1.2.3
Release: 4.el9_2
Summary: test package with an epoch
License: MIT
BuildArch: noarch
%description
Test package with an epoch.
%files
`,
  'mamori-vendor': `Name: mamori-vendor
Version: 0.9~rc1
Release: 1
Summary: test package with a vendor
License: MIT
Vendor: Mamori "Test" Vendor \\ Ltd.
BuildArch: noarch
%description
Test package with a vendor.
%files
`,
};

/** The lines rpm itself prints for the test database (the expected agent data). */
const EXPECTED = [
  ['mamori-epoch', '3', '1.2.3', '4.el9_2', 'noarch', 'mamori-epoch-1.2.3-4.el9_2.src.rpm', '(none)', MODULE],
  [
    'mamori-vendor',
    '(none)',
    '0.9~rc1',
    '1',
    'noarch',
    'mamori-vendor-0.9~rc1-1.src.rpm',
    'Mamori "Test" Vendor \\ Ltd.',
    '(none)',
  ],
];

let dbpath = '';
let root = '';

beforeAll(() => {
  if (!HAVE.rpmbuild) return;
  const top = tmpDir('mamori-rpmbuild-');
  for (const [name, spec] of Object.entries(SPECS)) {
    put(join(top, `${name}.spec`), spec);
    const defines = ['--define', `_topdir ${top}`];
    // rpmbuild stores %{modularitylabel} in the MODULARITYLABEL tag (rpm >= 4.14)
    if (name === 'mamori-epoch') defines.push('--define', `modularitylabel ${MODULE}`);
    execFileSync(
      'rpmbuild',
      ['-bb', '--quiet', '--nodeps', '--define', `_dbpath ${top}/builddb`, ...defines, join(top, `${name}.spec`)],
      { stdio: 'pipe' },
    );
  }
  const rpmDir = join(top, 'RPMS/noarch');
  const rpms = readdirSync(rpmDir).map((f) => join(rpmDir, f));
  dbpath = join(top, 'db');
  execFileSync('rpm', ['--dbpath', dbpath, '-i', '--nodeps', '--justdb', '--ignorearch', ...rpms], { stdio: 'pipe' });
  // the same packages in an image-like root (/var/lib/rpm), for --root
  root = tmpDir('mamori-rpmroot-');
  put(join(root, 'etc/redhat-release'), 'AlmaLinux release 9.3 (Shamrock Pampas Cat)\n');
  put(join(root, 'etc/os-release'), 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.3"\n');
  execFileSync(
    'rpm',
    ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--justdb', '--ignorearch', ...rpms],
    {
      stdio: 'pipe',
    },
  );
}, 60_000);

function sortedFields(data: string): string[][] {
  return dataLines(data)
    .map((l) => l.split('\t'))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

describe.skipIf(!HAVE.rpmbuild).each(SHELLS)('rpm under $name', (shell) => {
  it('queries the database given with --rpm-dbpath (8 fields, (none) when absent)', async () => {
    const r = await runAgent(shell, ['collect', '--rpm-dbpath', dbpath]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    const rpm = section(doc, 'rpm-qf-v1');
    expect(rpm).toBeDefined();
    expect(rpm!.data.endsWith('\n')).toBe(true);
    expect(sortedFields(rpm!.data)).toEqual(EXPECTED);
    // the agent's bytes are rpm's own output
    const direct = execFileSync(
      'rpm',
      [
        '--dbpath',
        dbpath,
        '-qa',
        '--queryformat',
        '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{VENDOR}\\t%{MODULARITYLABEL}\\n',
      ],
      { encoding: 'utf8' },
    );
    expect(rpm!.data).toBe(direct);
  });

  it('finds /var/lib/rpm inside --root and reads the root release files', async () => {
    const r = await runAgent(shell, ['collect', '--root', root]);
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    expect(doc.packages.map((p) => p.format)).toEqual(['rpm-qf-v1']);
    expect(sortedFields(doc.packages[0]!.data)).toEqual(EXPECTED);
    expect(Object.keys(doc.files).sort()).toEqual(['/etc/os-release', '/etc/redhat-release']);
    expect(doc.host.kernelRelease).toBe('');
  });

  it('falls back to 7 fields + (none) when rpm has no MODULARITYLABEL tag', async () => {
    // rpm < 4.14 (CentOS 7) rejects the tag; no such rpm exists here, so a stub plays it
    const realRpm = which('rpm')!;
    const bin = stubBin({
      rpm: `for a in "$@"; do
  case $a in *MODULARITYLABEL*) echo 'error: incorrect format: unknown tag: "modularitylabel"' >&2; exit 1 ;; esac
done
exec ${realRpm} "$@"`,
    });
    const env = agentEnv({ PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const r = await runAgent(shell, ['collect', '--rpm-dbpath', dbpath], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rpm = section(parseDocument(r.stdout), 'rpm-qf-v1');
    const expected = EXPECTED.map((f) => [...f.slice(0, 7), '(none)']);
    expect(sortedFields(rpm!.data)).toEqual(expected);
  });

  it('fails (no partial inventory) when rpm cannot read the database', async () => {
    const bin = stubBin({ rpm: `echo "error: db5 error(-30969) from dbenv->open" >&2; exit 1` });
    const env = agentEnv({ PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const r = await runAgent(shell, ['collect', '--rpm-dbpath', dbpath], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/db5 error/);
    expect(r.stderr).toMatch(/rpm -qa failed/);
  });

  it('rejects a --rpm-dbpath that does not exist', async () => {
    const r = await runAgent(shell, ['collect', '--rpm-dbpath', '/nonexistent/rpmdb']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such directory/);
  });
});
