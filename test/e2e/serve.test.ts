/**
 * End to end, as a user does it: `mamori serve` on a loopback port with the
 * embedded database, a key from the CLI, the real agent registering and
 * reporting this machine's dpkg database, the API and the CLI showing it, and
 * a kill -9 right after an acknowledged report losing nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, startServe, type ServerProcess } from '../helpers/cli.js';

const PASSWORD = 'e2e-password-0123456789';
const AGENT = join(REPO, 'agent', 'mamori-agent');
const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;

let dir: string;
let dataDir: string;
let server: ServerProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-e2e-'));
  dataDir = join(dir, 'data');
});
afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}

function agent(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', [AGENT, ...args], { encoding: 'utf8', env: { ...process.env, MAMORI_AGENT_RETRY_BASE: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasDpkg)('mamori serve with the real agent', () => {
  let key: string;
  let hostId: string;
  const conf = () => join(dir, 'agent.conf');

  it('starts, creates the admin user with the given password, and is ready', async () => {
    server = await startServe(['--data-dir', dataDir], { MAMORI_ADMIN_PASSWORD: PASSWORD });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(server.log()).toContain('MAMORI_ADMIN_PASSWORD');
  });

  it('creates a key with the CLI while the server runs (through its socket)', async () => {
    const r = await runCli(['keys', 'create', '--name', 'e2e', '--json', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    key = (JSON.parse(r.stdout) as { key: string }).key;
    expect(key).toMatch(/^mrk_/);
  });

  it('registers and reports with the agent; the API shows every installed package', async () => {
    const url = server!.url;
    const reg = agent(['register', '--server', url, '--key', key, '--config', conf()]);
    expect(reg.stderr + reg.stdout).not.toMatch(/error/i);
    expect(reg.status).toBe(0);
    const rep = agent(['report', '--config', conf()]);
    expect(rep.status).toBe(0);

    const token = await login(url);
    const hosts = await getJson<{ items: { id: string; hostname: string; packageCount: number; syncState: string; os: { id: string } }[] }>(
      `${url}/api/v1/hosts`,
      token,
    );
    expect(hosts.items).toHaveLength(1);
    const host = hosts.items[0]!;
    hostId = host.id;
    expect(host.hostname).toBe(execFileSync('hostname', { encoding: 'utf8' }).trim().split('.')[0]);
    expect(host.syncState).toBe('ok');
    expect(host.os.id).toBe('debian');
    // what dpkg itself lists as installed (files on disk)
    const installed = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((s) => ['installed', 'half-installed', 'unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending'].includes(s)).length;
    expect(host.packageCount).toBe(installed);
    const pk = await getJson<{ items: { name: string }[] }>(`${url}/api/v1/hosts/${hostId}/packages?q=dpkg`, token);
    expect(pk.items.map((p) => p.name)).toContain('dpkg');
  });

  it('lists hosts with the CLI while the server runs', async () => {
    const r = await runCli(['hosts', 'list', '--json', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { id: string }[]).map((h) => h.id)).toEqual([hostId]);
  });

  it('loses nothing acknowledged when killed with SIGKILL right after a reply', async () => {
    const url = server!.url;
    const token = await login(url);
    const before = await getJson<{ items: unknown[] }>(`${url}/api/v1/hosts/${hostId}/reports`, token);
    // A report from the agent, then kill -9 the moment the 202 is in.
    expect(agent(['report', '--config', conf()]).status).toBe(0);
    server!.child.kill('SIGKILL');
    await server!.exited;

    server = await startServe(['--data-dir', dataDir], { MAMORI_ADMIN_PASSWORD: PASSWORD });
    const token2 = await login(server.url);
    const after = await getJson<{ items: unknown[] }>(`${server.url}/api/v1/hosts/${hostId}/reports`, token2);
    expect(after.items.length).toBe(before.items.length + 1);
    const host = await getJson<{ packageCount: number }>(`${server.url}/api/v1/hosts/${hostId}`, token2);
    expect(host.packageCount).toBeGreaterThan(50);
  });

  it('shuts down cleanly on SIGTERM, releasing the data directory', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    expect(existsSync(join(dataDir, 'mamori.lock'))).toBe(false);
  });

  it('runs CLI commands on the data directory when no server runs', async () => {
    const r = await runCli(['hosts', 'show', hostId, '--search', 'dpkg', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Sync:');
    expect(r.stdout).toMatch(/^dpkg\s/m);
    const keys = await runCli(['keys', 'list', '--data-dir', dataDir]);
    expect(keys.stdout).toContain('e2e');
  });

  it('refuses clearly when another live process holds the data directory', async () => {
    writeFileSync(join(dataDir, 'mamori.lock'), `${process.pid}\n`);
    try {
      const r = await runCli(['hosts', 'list', '--data-dir', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ERR_DATA_DIR_LOCKED');
      expect(r.stderr).toContain(String(process.pid));
    } finally {
      rmSync(join(dataDir, 'mamori.lock'));
    }
  });
});
