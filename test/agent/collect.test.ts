/**
 * `mamori-agent collect`: this machine's own dpkg database, apk and dpkg roots
 * built from the shared real inventories, JSON escaping of hostile content.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DATA,
  HAVE,
  SHELLS,
  agentEnv,
  busyboxBin,
  dataLines,
  parseDocument,
  put,
  removeTmpDirs,
  runAgent,
  section,
  tmpDir,
  which,
} from './helpers.js';

afterAll(removeTmpDirs);

const APK_DIR = join(DATA, 'inventories/apk-installed');
const DPKG_DIR = join(DATA, 'inventories/dpkg-status');
const ALPINE_OS_RELEASE = join(DATA, 'inventories/os-release/claircore/alpine/3.17/etc/os-release');

/** Status files: the plain ones plus the one embedded in trivy's txtar archive. */
function dpkgStatusFiles(): { name: string; content: string }[] {
  const out = readdirSync(DPKG_DIR)
    .filter((f) => f.endsWith('.status'))
    .map((f) => ({ name: basename(f, '.status'), content: readFileSync(join(DPKG_DIR, f), 'utf8') }));
  const txtar = readFileSync(join(DPKG_DIR, 'trivy-valid.txtar'), 'utf8');
  const m = /^-- var\/lib\/dpkg\/status --\n([\s\S]*?)(?=^-- .* --$|(?![\s\S]))/m.exec(txtar);
  if (m?.[1]) out.push({ name: 'trivy-valid', content: m[1] });
  return out;
}

function countPackages(status: string): number {
  return status.split('\n').filter((l) => l.startsWith('Package:')).length;
}

describe.each(SHELLS)('collect under $name', (shell) => {
  it.skipIf(!HAVE.dpkgQuery)('inventories this Debian machine through dpkg-query', async () => {
    const r = await runAgent(shell, ['collect']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = parseDocument(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.agent).toEqual({ name: 'mamori-agent', version: '0.1.0' });
    expect(doc.root).toBe('/');
    expect(doc.collectedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(doc.collectedAt) - Date.now())).toBeLessThan(120_000);

    expect(doc.host.hostname).toBe(hostname().split('.')[0]);
    const machineId = existsSync('/etc/machine-id') ? readFileSync('/etc/machine-id', 'utf8').trim() : '';
    expect(doc.host.machineId).toBe(machineId);
    expect(doc.host.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(doc.host.kernelRelease).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(doc.host.kernelVersion).toBe(execFileSync('uname', ['-v'], { encoding: 'utf8' }).trim());

    expect(doc.files['/etc/os-release']).toBe(readFileSync('/etc/os-release', 'utf8'));
    if (existsSync('/etc/debian_version')) {
      expect(doc.files['/etc/debian_version']).toBe(readFileSync('/etc/debian_version', 'utf8'));
    }

    const dpkg = section(doc, 'dpkg-query-v1');
    expect(dpkg).toBeDefined();
    const lines = dataLines(dpkg!.data);
    const expected = execFileSync('sh', ['-c', 'dpkg-query -W | wc -l'], { encoding: 'utf8' }).trim();
    expect(lines.length).toBe(Number(expected));
    for (const line of lines) expect(line.split('\t')).toHaveLength(6);
    expect(lines.some((l) => /^dpkg\t[^\t]+\t[^\t]+\tdpkg\t[^\t]+\tinstall ok installed$/.test(l))).toBe(true);
  });

  describe.each(readdirSync(APK_DIR))('apk root %s', (file) => {
    const source = readFileSync(join(APK_DIR, file), 'utf8');

    function apkRoot(): string {
      const root = tmpDir('mamori-apk-');
      put(join(root, 'lib/apk/db/installed'), source);
      put(join(root, 'etc/os-release'), readFileSync(ALPINE_OS_RELEASE));
      put(join(root, 'etc/alpine-release'), '3.17.5\n');
      put(join(root, 'etc/hostname'), 'alpine-box\n');
      return root;
    }

    function checkApk(stdout: string, root: string): void {
      const doc = parseDocument(stdout);
      expect(doc.root).toBe(root);
      expect(doc.host.hostname).toBe('alpine-box');
      expect(doc.host.kernelRelease).toBe('');
      expect(doc.host.kernelVersion).toBe('');
      expect(doc.files).toEqual({
        '/etc/os-release': readFileSync(ALPINE_OS_RELEASE, 'utf8'),
        '/etc/alpine-release': '3.17.5\n',
      });
      expect(doc.packages.map((p) => p.format)).toEqual(['apk-installed']);
      const lines = dataLines(doc.packages[0]!.data);
      const keep = source.split('\n').filter((l) => /^[PVAo]:/.test(l));
      expect(lines.filter((l) => l !== '')).toEqual(keep);
      expect(lines.filter((l) => l.startsWith('P:'))).toHaveLength(
        source.split('\n').filter((l) => l.startsWith('P:')).length,
      );
      for (const l of lines) expect(l).toMatch(/^([PVAo]:.*)?$/);
    }

    it('keeps the P/V/A/o lines of every package', async () => {
      const root = apkRoot();
      const r = await runAgent(shell, ['collect', '--root', root]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      checkApk(r.stdout, root);
    });

    it.skipIf(!HAVE.busybox)('works with nothing but busybox on PATH (Alpine userland)', async () => {
      const root = apkRoot();
      const env = agentEnv({ PATH: busyboxBin() });
      const r = await runAgent(shell, ['collect', '--root', root], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      checkApk(r.stdout, root);
    });
  });

  describe.each(dpkgStatusFiles())('dpkg root $name', ({ content }) => {
    function dpkgRoot(): string {
      const root = tmpDir('mamori-dpkg-');
      put(join(root, 'var/lib/dpkg/status'), content);
      put(join(root, 'usr/lib/os-release'), 'ID=debian\nVERSION_ID="12"\n');
      // an absolute symlink must resolve inside the root, not on this machine
      put(join(root, 'etc/.keep'), '');
      symlinkSync('/usr/lib/os-release', join(root, 'etc/os-release'));
      put(join(root, 'etc/debian_version'), '12.4\n');
      put(join(root, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
      put(join(root, 'etc/hostname'), 'db1.example.jp\n');
      return root;
    }

    it.skipIf(!HAVE.busybox)('sends the raw status file when dpkg-query is missing', async () => {
      const root = dpkgRoot();
      const r = await runAgent(shell, ['collect', '--root', root], { env: agentEnv({ PATH: busyboxBin() }) });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = parseDocument(r.stdout);
      expect(doc.packages).toEqual([{ format: 'dpkg-status', data: content }]);
      expect(doc.files['/etc/os-release']).toBe('ID=debian\nVERSION_ID="12"\n');
      expect(doc.host.machineId).toBe('0123456789abcdef0123456789abcdef');
      expect(doc.host.hostname).toBe('db1');
      expect(doc.host.fqdn).toBe('db1.example.jp');
    });

    it.skipIf(!HAVE.dpkgQuery)('runs dpkg-query --admindir when it exists', async () => {
      const root = dpkgRoot();
      const r = await runAgent(shell, ['collect', '--root', root]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = parseDocument(r.stdout);
      expect(doc.packages.map((p) => p.format)).toEqual(['dpkg-query-v1']);
      const lines = dataLines(doc.packages[0]!.data);
      expect(lines).toHaveLength(countPackages(content));
      for (const l of lines) expect(l.split('\t')).toHaveLength(6);
      const expected = execFileSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '-W', '-f', '${Package}\\n'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(lines.map((l) => l.split('\t')[0])).toEqual(dataLines(expected));
    });
  });

  it('reports no packages and warns when the root has no package database', async () => {
    const root = tmpDir();
    put(join(root, 'etc/os-release'), 'ID=scratch\n');
    const r = await runAgent(shell, ['collect', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no package database/);
    const doc = parseDocument(r.stdout);
    expect(doc.packages).toEqual([]);
    // the server needs a host name: without /etc/hostname, the root directory's name
    expect(r.stderr).toMatch(/no hostname in .*; using '.*' \(set one with --hostname\)/);
    expect(doc.host.hostname).toBe(basename(root).split('.')[0]);
    const named = await runAgent(shell, ['collect', '--root', root, '--hostname', 'image.example.jp']);
    expect(named.stderr).not.toMatch(/no hostname/);
    expect(parseDocument(named.stdout).host).toMatchObject({ hostname: 'image', fqdn: 'image.example.jp' });
  });

  it('rejects unknown options and a missing root', async () => {
    const r1 = await runAgent(shell, ['collect', '--bogus']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/unknown option: --bogus/);
    const r2 = await runAgent(shell, ['collect', '--root', '/nonexistent/mamori']);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toBe('');
    const r3 = await runAgent(shell, ['--version']);
    expect(r3.stdout).toBe('mamori-agent 0.1.0\n');
    const r4 = await runAgent(shell, ['--help']);
    expect(r4.code).toBe(0);
    expect(r4.stdout).toMatch(/Usage: mamori-agent COMMAND/);
  });
});

/** Awk implementations on this machine, each exposed as `awk` through a PATH dir. */
function awkVariants(): { name: string; dir: string | undefined }[] {
  const out: { name: string; dir: string | undefined }[] = [{ name: 'default awk', dir: undefined }];
  for (const name of ['mawk', 'gawk', 'original-awk', 'busybox']) {
    const path = which(name);
    if (!path) continue;
    const dir = tmpDir('mamori-awk-');
    symlinkSync(path, join(dir, 'awk'));
    out.push({ name: name === 'busybox' ? 'busybox awk' : name, dir });
  }
  return out;
}

describe('JSON escaping', () => {
  // Content that breaks naive JSON generators; written as raw bytes.
  const osRelease = Buffer.from(
    'NAME="Te\\"st \\\\ Linux"\n' +
      'PRETTY_NAME="日本語 ディストリ — ü ß 😀"\n' +
      'TABS=\ta\t\tb\t\n' +
      'CONTROL=\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f end\n' +
      'CRLF=yes\r\n' +
      'QUOTES="\'"\'"\n' +
      'BACKSLASH_END=\\\n' +
      'SEPARATORS=\u2028\u2029\n' +
      '\n' +
      'LAST=no-newline',
    'utf8',
  );
  const files: Record<string, Buffer> = {
    'etc/os-release': osRelease,
    'etc/debian_version': Buffer.alloc(0),
    'etc/lsb-release': Buffer.from('\n\n'),
    'etc/system-release': Buffer.from('x'),
    // not UTF-8: Latin-1 é, a lone continuation byte, a truncated sequence, an overlong '/'
    'etc/redhat-release': Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x20, 0xe6, 0x97, 0x20, 0xc0, 0xaf, 0x0a]),
  };
  const expectedRedhat = 'Caf\u00e9 \u0080 \u00e6\u0097 \u00c0\u00af\n';

  const variants = awkVariants();
  describe.each(SHELLS)('under $name', (shell) => {
    it.each(variants)('round-trips hostile release files with $name', async ({ dir }) => {
      const root = tmpDir('mamori-json-');
      for (const [p, content] of Object.entries(files)) put(join(root, p), content);
      put(join(root, 'etc/hostname'), 'weird\n');
      put(join(root, 'etc/machine-id'), 'id-with-"quote"-and-\\\n');
      const env = agentEnv(dir ? { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` } : {});
      const r = await runAgent(shell, ['collect', '--root', root], { env });
      expect(r.code).toBe(0);
      const doc = parseDocument(r.stdout);
      expect(doc.files['/etc/os-release']).toBe(osRelease.toString('utf8'));
      expect(doc.files['/etc/debian_version']).toBe('');
      expect(doc.files['/etc/lsb-release']).toBe('\n\n');
      expect(doc.files['/etc/system-release']).toBe('x');
      expect(doc.files['/etc/redhat-release']).toBe(expectedRedhat);
      expect(doc.host.machineId).toBe('id-with-"quote"-and-\\');
      // the output is valid UTF-8 (a lossy decode would have produced U+FFFD)
      expect(r.stdout).not.toContain('\ufffd');
      expect(Buffer.from(r.stdout, 'utf8').equals(r.stdoutBytes)).toBe(true);
    });
  });
});
