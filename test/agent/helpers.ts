/**
 * Helpers for the agent tests: which shells and tools exist on this machine,
 * running agent/mamori-agent with a controlled environment, temporary dirs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const AGENT = join(REPO, 'agent/mamori-agent');
export const INSTALL_SH = join(REPO, 'agent/install.sh');
export const DATA = '/work/shared/data';

/** Absolute path of a command on the default PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out.startsWith('/') ? out : undefined;
}

export interface Shell {
  /** label used in test names */
  name: string;
  /** interpreter and its leading arguments */
  argv: readonly string[];
}

const BUSYBOX = which('busybox');
const DASH = which('dash');

/** The shells every agent case runs under (the ones installed here), by absolute path. */
export const SHELLS: readonly Shell[] = [
  ...(DASH ? [{ name: 'dash', argv: [DASH] }] : []),
  ...(BUSYBOX ? [{ name: 'busybox sh', argv: [BUSYBOX, 'sh'] }] : []),
];

export const HAVE = {
  busybox: BUSYBOX !== undefined,
  curl: which('curl') !== undefined,
  gnuWget:
    which('wget') !== undefined && spawnSync('wget', ['--version'], { encoding: 'utf8' }).stdout.includes('GNU Wget'),
  rpmbuild: which('rpmbuild') !== undefined && which('rpm') !== undefined,
  dpkgQuery: which('dpkg-query') !== undefined,
  shellcheck: which('shellcheck') !== undefined,
} as const;

export type HttpClient = 'curl' | 'wget' | 'busybox';

/** HTTP clients the agent can use on this machine. */
export const HTTP_CLIENTS: readonly HttpClient[] = [
  ...(HAVE.curl ? (['curl'] as const) : []),
  ...(HAVE.gnuWget ? (['wget'] as const) : []),
  ...(HAVE.busybox ? (['busybox'] as const) : []),
];

const tmpRoots: string[] = [];

/** A fresh temporary directory, removed by `removeTmpDirs()`. */
export function tmpDir(prefix = 'mamori-agent-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpRoots.push(d);
  return d;
}

export function removeTmpDirs(): void {
  for (const d of tmpRoots.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Write a file, creating its directory. */
export function put(path: string, content: string | Buffer, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  if (mode !== undefined) chmodSync(path, mode);
}

const PROXY_VARS = [
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'all_proxy',
  'ALL_PROXY',
];

/**
 * A clean environment for the agent: the normal PATH, no proxy settings and no
 * MAMORI_* variables from the developer's shell, plus `extra`.
 */
export function agentEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (PROXY_VARS.includes(k) || k.startsWith('MAMORI_')) continue;
    env[k] = v;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) Reflect.deleteProperty(env, k);
    else env[k] = v;
  }
  return env;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Run a command asynchronously (the test's own HTTP servers must keep serving). */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? agentEnv(),
      cwd: opts.cwd ?? REPO,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolvePromise({
        code,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
    if (child.stdin) {
      // a child may exit before reading all of its input
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** Run agent/mamori-agent under `shell`. */
export function runAgent(shell: Shell, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run([...shell.argv, AGENT, ...args], opts);
}

/**
 * A directory of links to busybox applets (all but `except`), usable as the
 * only PATH entry: an Alpine-like userland without dpkg-query, rpm or curl.
 */
export function busyboxBin(except: readonly string[] = ['rpm', 'rpm2cpio', 'dpkg', 'dpkg-deb']): string {
  if (!BUSYBOX) throw new Error('busybox is not installed');
  const dir = tmpDir('mamori-bb-');
  const list = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of list) {
    if (except.includes(applet)) continue;
    symlinkSync(BUSYBOX, join(dir, applet));
  }
  return dir;
}

/** A directory holding one executable stub script per entry (name → sh body). */
export function stubBin(stubs: Record<string, string>): string {
  const dir = tmpDir('mamori-stub-');
  for (const [name, body] of Object.entries(stubs)) put(join(dir, name), `#!/bin/sh\n${body}\n`, 0o755);
  return dir;
}

export interface InventoryDocument {
  schemaVersion: number;
  agent: { name: string; version: string };
  collectedAt: string;
  root: string;
  host: {
    hostname: string;
    fqdn: string;
    machineId: string;
    arch: string;
    kernelRelease: string;
    kernelVersion: string;
  };
  files: Record<string, string>;
  packages: { format: string; data: string }[];
}

export function parseDocument(text: string): InventoryDocument {
  return JSON.parse(text) as InventoryDocument;
}

/** Lines of a section's data (without the empty string after the final newline). */
export function dataLines(data: string): string[] {
  const lines = data.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function section(doc: InventoryDocument, format: string): { format: string; data: string } | undefined {
  return doc.packages.find((p) => p.format === format);
}
