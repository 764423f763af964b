import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { OsInfo } from '../../domain/inventory.js';
import { detectOs, lookUpCodename, parseOsRelease } from './os-release.js';
import { expectAppError, expectPrototypeClean } from './testdata/assert.js';
import { expectGolden } from './testdata/golden.js';
import { hasSharedData, listShared, readShared, walkShared } from './testdata/shared.js';

const TESTDATA = fileURLToPath(new URL('./testdata/os-release/', import.meta.url));

type Expected = Pick<OsInfo, 'id' | 'versionId' | 'codename'>;

function pick(os: OsInfo): Expected {
  return { id: os.id, versionId: os.versionId, codename: os.codename };
}

describe('parseOsRelease', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.os-release'));

  it.each(cases)('%s matches its golden file', (file) => {
    const fields = parseOsRelease(readFileSync(join(TESTDATA, file), 'utf8'));
    expectGolden(join(TESTDATA, file.replace(/\.os-release$/, '.golden.json')), fields);
  });

  it('follows shell quoting as os-release(5) describes', () => {
    const f = parseOsRelease(readFileSync(join(TESTDATA, 'quoting.os-release'), 'utf8'));
    expect({ ...f }).toEqual({
      PLAIN: 'fedora',
      DOUBLE: 'Fedora Linux 42 (Container Image)',
      SINGLE: 'single $quoted "text" \\n kept literally',
      ESCAPED: 'a "quote", a \\ backslash, a $dollar and a `backtick`; \\n stays',
      UNQUOTED_ESCAPE: 'a b"c',
      EMPTY: '',
      EMPTY_QUOTED: '',
      TRAILING_COMMENT: 'value',
      TRAILING_BLANKS: 'value',
      CONTINUED: 'first second',
      MULTILINE: 'line one\nline two',
      CRLF: 'windows',
      CRLF_LINE: 'crlf',
      AFTER: 'ok',
    });
  });

  it('takes the last assignment of a key and ignores an empty text', () => {
    expect({ ...parseOsRelease('ID=a\nID=b\n') }).toEqual({ ID: 'b' });
    expect({ ...parseOsRelease('') }).toEqual({});
    expect({ ...parseOsRelease('\n\n# only a comment') }).toEqual({});
  });

  it('stays linear on large junk input', () => {
    const junk = 'no assignment here\n'.repeat(200_000);
    const t = performance.now();
    expect({ ...parseOsRelease(`${junk}ID=x\n`) }).toEqual({ ID: 'x' });
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('keeps __proto__ and constructor as plain keys without touching Object.prototype', () => {
    const f = parseOsRelease('__proto__=polluted\nconstructor=x\npolluted=yes\nID=debian\n');
    expect(Object.getPrototypeOf(f)).toBeNull();
    expect(Object.hasOwn(f, '__proto__')).toBe(true);
    expect(f.__proto__).toBe('polluted');
    expect(f.constructor).toBe('x');
    expect(f.ID).toBe('debian');
    expectPrototypeClean();
  });
});

describe('detectOs', () => {
  const table: { name: string; files: Record<string, string>; want: Partial<OsInfo> }[] = [
    {
      name: 'CentOS 6 (no os-release)',
      files: { '/etc/redhat-release': 'CentOS release 6.10 (Final)\n', '/etc/centos-release': 'CentOS release 6.10 (Final)\n' },
      want: { id: 'centos', versionId: '6.10', codename: null, name: 'CentOS', prettyName: 'CentOS release 6.10 (Final)', idLike: ['rhel', 'fedora'] },
    },
    {
      name: 'RHEL 6 (no os-release)',
      files: { '/etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n' },
      want: { id: 'rhel', versionId: '6.10', name: 'Red Hat Enterprise Linux Server', idLike: ['fedora'] },
    },
    {
      name: 'CentOS 7 release file with the build number',
      files: { '/etc/centos-release': 'CentOS Linux release 7.9.2009 (Core)\n' },
      want: { id: 'centos', versionId: '7.9.2009', name: 'CentOS Linux' },
    },
    {
      name: 'Amazon Linux 1 (system-release)',
      files: { '/etc/system-release': 'Amazon Linux AMI release 2018.03\n' },
      want: { id: 'amzn', versionId: '2018.03', name: 'Amazon Linux AMI' },
    },
    {
      name: 'Amazon Linux 2 (system-release)',
      files: { '/etc/system-release': 'Amazon Linux release 2 (Karoo)\n' },
      want: { id: 'amzn', versionId: '2' },
    },
    {
      name: 'Oracle Linux 6: oracle-release wins over the RHEL-branded redhat-release',
      files: {
        '/etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n',
        '/etc/system-release': 'Oracle Linux Server release 6.10\n',
      },
      want: { id: 'ol', versionId: '6.10', name: 'Oracle Linux Server' },
    },
    {
      name: 'os-release wins over release files',
      files: { '/etc/os-release': 'ID="centos"\nVERSION_ID="7"\n', '/etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n' },
      want: { id: 'centos', versionId: '7' },
    },
    {
      name: '/usr/lib/os-release when /etc/os-release is absent',
      files: { '/usr/lib/os-release': 'ID=rocky\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\n' },
      want: { id: 'rocky', versionId: '9.3', idLike: ['rhel', 'centos', 'fedora'], name: 'Rocky Linux', prettyName: 'Rocky Linux 9.3' },
    },
    {
      name: '/etc/os-release wins over /usr/lib/os-release',
      files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n', '/usr/lib/os-release': 'ID=ubuntu\n' },
      want: { id: 'debian', versionId: '12', codename: 'bookworm' },
    },
    {
      name: 'an empty os-release falls back to release files',
      files: { '/etc/os-release': '\n', '/etc/centos-release': 'CentOS Stream release 8\n' },
      want: { id: 'centos', versionId: '8', name: 'CentOS Stream' },
    },
    {
      name: 'Alpine: VERSION_ID from /etc/alpine-release',
      files: { '/etc/os-release': 'ID=alpine\nVERSION_ID=3.19.0\nNAME="Alpine Linux"\n', '/etc/alpine-release': '3.19.1\n' },
      want: { id: 'alpine', versionId: '3.19.1', codename: null },
    },
    {
      name: 'Alpine without os-release',
      files: { '/etc/alpine-release': '3.19.1\n' },
      want: { id: 'alpine', versionId: '3.19.1', name: 'Alpine Linux', prettyName: 'Alpine Linux v3.19', idLike: [] },
    },
    {
      name: 'Debian: os-release VERSION_ID stays the major release',
      files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', '/etc/debian_version': '12.5\n' },
      want: { id: 'debian', versionId: '12', codename: 'bookworm' },
    },
    {
      name: 'Debian without os-release',
      files: { '/etc/debian_version': '6.0.10\n' },
      want: { id: 'debian', versionId: '6', codename: 'squeeze', prettyName: 'Debian GNU/Linux 6 (squeeze)' },
    },
    {
      name: 'Ubuntu with only lsb-release',
      files: { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\nDISTRIB_CODENAME=bionic\nDISTRIB_DESCRIPTION="Ubuntu 18.04.2 LTS"\n' },
      want: { id: 'ubuntu', versionId: '18.04', codename: 'bionic', name: 'Ubuntu', prettyName: 'Ubuntu 18.04.2 LTS', idLike: ['debian'] },
    },
    {
      name: 'Ubuntu: lsb-release before debian_version ("bullseye/sid" on Ubuntu)',
      files: { '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n', '/etc/debian_version': 'bookworm/sid\n' },
      want: { id: 'ubuntu', versionId: '22.04', codename: 'jammy' },
    },
    {
      name: 'codename from lsb-release when os-release has none',
      files: { '/etc/os-release': 'ID=ubuntu\nVERSION_ID="99.04"\n', '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_CODENAME=zany\n' },
      want: { id: 'ubuntu', versionId: '99.04', codename: 'zany' },
    },
  ];

  it.each(table)('$name', ({ files, want }) => {
    expect(detectOs(files)).toMatchObject(want);
  });

  it('throws ERR_INVENTORY_NO_OS_RELEASE when nothing identifies the OS', () => {
    expectAppError(() => detectOs({}), 'ERR_INVENTORY_NO_OS_RELEASE', /no OS release file/);
    expectAppError(() => detectOs({ '/etc/os-release': '   \n' }), 'ERR_INVENTORY_NO_OS_RELEASE');
    const err = expectAppError(
      () => detectOs({ '/etc/os-release': 'NAME="Something"\n', '/etc/redhat-release': 'Unknown Linux release 1\n' }),
      'ERR_INVENTORY_NO_OS_RELEASE',
      /\/etc\/os-release, \/etc\/redhat-release/,
    );
    expect(err.details).toEqual({ files: ['/etc/os-release', '/etc/redhat-release'] });
  });

  it('reads only own keys of the files map', () => {
    const files = Object.create({ '/etc/os-release': 'ID=inherited\n' }) as Record<string, string>;
    expectAppError(() => detectOs(files), 'ERR_INVENTORY_NO_OS_RELEASE');
  });

  it('looks up Debian and Ubuntu codenames', () => {
    expect(lookUpCodename('debian', '12')).toBe('bookworm');
    expect(lookUpCodename('debian', '9.0')).toBe('stretch');
    expect(lookUpCodename('ubuntu', '20.04')).toBe('focal');
    expect(lookUpCodename('ubuntu', '20.04.6')).toBe('focal');
    expect(lookUpCodename('ubuntu', '20')).toBeNull();
    expect(lookUpCodename('rhel', '9')).toBeNull();
  });
});

/** A claircore case directory as the agent would send it: etc/<name> → /etc/<name>. */
function claircoreFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of listShared('os-release', 'claircore', dir, 'etc')) files[`/etc/${name}`] = readShared('os-release', 'claircore', dir, 'etc', name);
  return files;
}

const UBUNTU_CODENAMES: Record<string, string> = {
  '12.10': 'quantal',
  '13.04': 'raring',
  '14.10': 'utopic',
  '15.04': 'vivid',
  '15.10': 'wily',
  '16.10': 'yakkety',
  '17.04': 'zesty',
  '18.04': 'bionic',
  '18.10': 'cosmic',
  '19.04': 'disco',
  '19.10': 'eoan',
  '20.04': 'focal',
  '21.04': 'hirsute',
  '21.10': 'impish',
  '22.04': 'jammy',
  '22.10': 'kinetic',
  '23.04': 'lunar',
};

const CLAIRCORE: Record<string, Expected> = {
  'alpine/3.5': { id: 'alpine', versionId: '3.5.3', codename: null },
  'alpine/3.8': { id: 'alpine', versionId: '3.8.5', codename: null },
  'alpine/3.11': { id: 'alpine', versionId: '3.11.13', codename: null },
  'alpine/3.14': { id: 'alpine', versionId: '3.14.3', codename: null },
  'alpine/3.17': { id: 'alpine', versionId: '3.17.5', codename: null },
  'alpine/3.18': { id: 'alpine', versionId: '3.18.4', codename: null },
  'debian/7': { id: 'debian', versionId: '7', codename: 'wheezy' },
  'debian/8': { id: 'debian', versionId: '8', codename: 'jessie' },
  'debian/9': { id: 'debian', versionId: '9', codename: 'stretch' },
  'debian/10': { id: 'debian', versionId: '10', codename: 'buster' },
  'debian/11': { id: 'debian', versionId: '11', codename: 'bullseye' },
  'debian-distroless/9': { id: 'debian', versionId: '9', codename: 'stretch' },
  'debian-distroless/10': { id: 'debian', versionId: '10', codename: 'buster' },
  'debian-distroless/11': { id: 'debian', versionId: '11', codename: 'bullseye' },
  'rhel/7': { id: 'rhel', versionId: '7.7', codename: null },
  'rhel/9': { id: 'rhel', versionId: '9.0', codename: null },
  'rhel/atomichost-7': { id: 'rhel', versionId: '7.9', codename: null },
  'rhel/oracle-6': { id: 'ol', versionId: '6.10', codename: null },
  'rhel/oracle-7': { id: 'ol', versionId: '7.9', codename: null },
  'rhel/oracle-8': { id: 'ol', versionId: '8.9', codename: null },
  ...Object.fromEntries(Object.entries(UBUNTU_CODENAMES).map(([v, c]) => [`ubuntu/${v}`, { id: 'ubuntu', versionId: v, codename: c }])),
};

describe.skipIf(!hasSharedData)('detectOs on every release file in the shared data', () => {
  const claircoreDirs = [
    ...new Set(
      walkShared('os-release', 'claircore').map((p) => {
        const parts = p.split('/');
        return `${parts[0]!}/${parts[1]!}`;
      }),
    ),
  ];

  it('has an expectation for every claircore case', () => {
    expect(claircoreDirs.length).toBe(Object.keys(CLAIRCORE).length);
    expect(claircoreDirs.sort()).toEqual(Object.keys(CLAIRCORE).sort());
  });

  it.each(claircoreDirs)('claircore %s', (dir) => {
    const os = detectOs(claircoreFiles(dir));
    expect(pick(os)).toEqual(CLAIRCORE[dir]);
    if (listShared('os-release', 'claircore', dir).includes('want')) {
      // claircore's expected distribution: [{did, name, version (major.minor), pretty_name}]
      const want = (JSON.parse(readShared('os-release', 'claircore', dir, 'want')) as { did: string; name: string; version: string; pretty_name: string }[])[0]!;
      expect(os.id).toBe(want.did);
      expect(os.name).toBe(want.name);
      expect(os.prettyName).toBe(want.pretty_name);
      expect(os.versionId === want.version || os.versionId.startsWith(`${want.version}.`)).toBe(true);
    }
  });

  it.each(claircoreDirs.filter((d) => d.startsWith('ubuntu/')))('claircore %s from lsb-release alone', (dir) => {
    const files = claircoreFiles(dir);
    delete files['/etc/os-release'];
    expect(pick(detectOs(files))).toEqual(CLAIRCORE[dir]);
  });

  /** trivy's release files, placed where a host has them. */
  const TRIVY: { file: string; path: string; want: Expected | 'none' }[] = [
    { file: 'debian/debian_9/etc/debian_version', path: '/etc/debian_version', want: { id: 'debian', versionId: '9', codename: 'stretch' } },
    { file: 'debian/debian_sid/etc/debian_version', path: '/etc/debian_version', want: { id: 'debian', versionId: '', codename: 'buster' } },
    { file: 'redhatbase/alma/almalinux-release', path: '/etc/almalinux-release', want: { id: 'almalinux', versionId: '8.4', codename: null } },
    { file: 'redhatbase/fedora_29/fedora-release', path: '/etc/fedora-release', want: { id: 'fedora', versionId: '29', codename: null } },
    { file: 'redhatbase/oracle_7/oracle-release', path: '/etc/oracle-release', want: { id: 'ol', versionId: '7.6', codename: null } },
    { file: 'redhatbase/rocky/rocky-release', path: '/etc/rocky-release', want: { id: 'rocky', versionId: '8.4', codename: null } },
    { file: 'release/bottlerocket', path: '/etc/os-release', want: { id: 'bottlerocket', versionId: '1.34.0', codename: null } },
    { file: 'release/centos', path: '/etc/os-release', want: { id: 'centos', versionId: '7', codename: null } },
    { file: 'release/centos-stream', path: '/etc/os-release', want: { id: 'centos', versionId: '8', codename: null } },
    { file: 'release/coreos', path: '/etc/os-release', want: { id: 'coreos', versionId: '3.15.4', codename: null } },
    { file: 'release/echo', path: '/etc/os-release', want: { id: 'echo', versionId: '1', codename: null } },
    { file: 'release/fedora', path: '/etc/os-release', want: { id: 'fedora', versionId: '42', codename: null } },
    { file: 'release/mariner-2.0', path: '/etc/os-release', want: { id: 'mariner', versionId: '2.0', codename: null } },
    { file: 'release/minimos', path: '/etc/os-release', want: { id: 'minimos', versionId: '20241031', codename: null } },
    { file: 'release/opensuseleap-15.2.1', path: '/etc/os-release', want: { id: 'opensuse-leap', versionId: '15.2.1', codename: null } },
    { file: 'release/opensuseleap-42.3', path: '/etc/os-release', want: { id: 'opensuse', versionId: '42.3', codename: null } },
    { file: 'release/photon', path: '/etc/os-release', want: { id: 'photon', versionId: '4.0', codename: null } },
    { file: 'release/rhel', path: '/etc/os-release', want: { id: 'rhel', versionId: '9.4', codename: null } },
    { file: 'release/rocky', path: '/etc/os-release', want: { id: 'rocky', versionId: '9.3', codename: null } },
    { file: 'release/slemicro6.0', path: '/etc/os-release', want: { id: 'sl-micro', versionId: '6.0', codename: null } },
    { file: 'ubuntu/lsb-release', path: '/etc/lsb-release', want: { id: 'ubuntu', versionId: '18.04', codename: 'bionic' } },
    // Ubuntu Pro status JSON, not a release file: read as os-release it identifies nothing.
    { file: 'ubuntu/esm_disabled_status.json', path: '/etc/os-release', want: 'none' },
  ];

  it('has an expectation for every trivy file', () => {
    expect(walkShared('os-release', 'trivy').sort()).toEqual(TRIVY.map((t) => t.file).sort());
  });

  it.each(TRIVY)('trivy $file', ({ file, path, want }) => {
    const files = { [path]: readShared('os-release', 'trivy', file) };
    if (want === 'none') {
      expectAppError(() => detectOs(files), 'ERR_INVENTORY_NO_OS_RELEASE');
      return;
    }
    expect(pick(detectOs(files))).toEqual(want);
    // On real hosts /etc/system-release links to the distribution's own release file.
    if (path.endsWith('-release') && path !== '/etc/os-release' && path !== '/etc/lsb-release') {
      expect(pick(detectOs({ '/etc/system-release': files[path]! }))).toEqual(want);
    }
  });
});
