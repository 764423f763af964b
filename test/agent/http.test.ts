/**
 * `register` and `report` against a loopback test double of the server API,
 * with each HTTP client the agent supports (curl, GNU wget, busybox wget) and
 * each shell; retries, final errors, and an HTTP forward proxy.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createProxy } from 'proxy';
import type { ProxyServer } from 'proxy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIAL, FakeMamori, GOOD_KEY, HOST_ID } from './fake-server.js';
import { HTTP_CLIENTS, SHELLS, agentEnv, parseDocument, put, removeTmpDirs, runAgent, tmpDir } from './helpers.js';
import type { HttpClient } from './helpers.js';

let server: FakeMamori;
let proxy: ProxyServer;
let proxyUrl = '';
let proxied = 0;

beforeAll(async () => {
  server = await FakeMamori.start();
  proxy = createProxy(createServer());
  proxy.on('request', () => {
    proxied++;
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => {
    proxy.close(() => {
      resolve();
    });
  });
  removeTmpDirs();
});

beforeEach(() => {
  server.reset();
  proxied = 0;
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    s.close(() => {
      resolve();
    });
  });
  return port;
}

function writeConfig(serverUrl: string, credential = CREDENTIAL): string {
  const conf = join(tmpDir('mamori-conf-'), 'agent.conf');
  put(conf, `# test\nMAMORI_SERVER=${serverUrl}\nMAMORI_HOST_ID=${HOST_ID}\nMAMORI_CREDENTIAL=${credential}\n`, 0o600);
  return conf;
}

const COMBOS = SHELLS.flatMap((shell) =>
  HTTP_CLIENTS.map((client) => ({ shell, client, label: `${shell.name} + ${client}` })),
);

function clientEnv(client: HttpClient, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return agentEnv({ MAMORI_AGENT_HTTP: client, MAMORI_AGENT_RETRY_BASE: '0.05', ...extra });
}

describe.each(COMBOS)('$label', ({ shell, client }) => {
  it('register stores the credential in a root-only config file', async () => {
    const dir = join(tmpDir(), 'etc/mamori');
    const conf = join(dir, 'agent.conf');
    const r = await runAgent(shell, ['register', '--server', `${server.url}/`, '--key', GOOD_KEY, '--config', conf], {
      env: clientEnv(client),
    });
    expect(r.stderr).toMatch(new RegExp(`registered as host ${HOST_ID}`));
    expect(r.code).toBe(0);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const lines = readFileSync(conf, 'utf8').split('\n');
    expect(lines).toContain(`MAMORI_SERVER=${server.url}`);
    expect(lines).toContain(`MAMORI_HOST_ID=${HOST_ID}`);
    expect(lines).toContain(`MAMORI_CREDENTIAL=${CREDENTIAL}`);

    const [req] = server.on('/api/v1/agent/register');
    expect(req?.method).toBe('POST');
    expect(req?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req!.body.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['fqdn', 'hostname', 'key', 'machineId']);
    expect(body.key).toBe(GOOD_KEY);
    expect(body.hostname).toBe(parseDocument((await runAgent(shell, ['collect'])).stdout).host.hostname);
  });

  it('register with a bad key fails with the server message and writes nothing', async () => {
    const conf = join(tmpDir(), 'agent.conf');
    const key = 'bad "key" \\ with\ttab';
    const r = await runAgent(shell, ['register', '--server', server.url, '--key', key, '--config', conf], {
      env: clientEnv(client),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/register refused by the server \(401\)/);
    // GNU wget drops the body of a 401 and busybox wget of every error: the status line is shown instead
    expect(r.stderr).toMatch(
      client === 'curl' ? /ERR_AGENT_KEY_INVALID: registration key is not valid/ : /401 Unauthorized/,
    );
    expect(r.stderr).not.toMatch(/register again/);
    expect(() => statSync(conf)).toThrow();
    const body = JSON.parse(server.on('/api/v1/agent/register')[0]!.body.toString('utf8')) as { key: string };
    expect(body.key).toBe(key);
  });

  it('report sends the inventory with the bearer credential', async () => {
    const conf = writeConfig(server.url);
    const r = await runAgent(shell, ['report', '--config', conf], { env: clientEnv(client) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reqs = server.on('/api/v1/agent/inventory');
    expect(reqs).toHaveLength(1);
    const req = reqs[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
    expect(req.headers['content-type']).toBe('application/json');
    if (client === 'busybox') {
      // busybox wget posts --post-file as a C string, so the agent does not gzip for it
      expect(req.headers['content-encoding']).toBeUndefined();
    } else {
      expect(req.headers['content-encoding']).toBe('gzip');
      expect(req.raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    }
    const doc = parseDocument(req.body.toString('utf8'));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.packages.length).toBeGreaterThan(0);
    expect(doc.files['/etc/os-release']).toBe(readFileSync('/etc/os-release', 'utf8'));
  });

  it('report retries on 503 and 429, then succeeds', async () => {
    const conf = writeConfig(server.url);
    const unavailable = {
      status: 503,
      body: { statusCode: 503, code: 'ERR_UNAVAILABLE', error: 'Service Unavailable', message: 'database is starting' },
    };
    server.script('/api/v1/agent/inventory', unavailable, {
      status: 429,
      body: { statusCode: 429, message: 'slow down' },
    });
    const r = await runAgent(shell, ['report', '--config', conf, '--retries', '3'], { env: clientEnv(client) });
    expect(r.code).toBe(0);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(3);
    expect(r.stderr).toMatch(/server answered 503.*retrying in [0-9.]+s/);
    expect(r.stderr).toMatch(/server answered 429.*retrying in/);
  });

  it('report gives up after --retries retries (exit 4)', async () => {
    const conf = writeConfig(server.url);
    const fail = { status: 502, body: { statusCode: 502, message: 'bad gateway' } };
    server.script('/api/v1/agent/inventory', fail, fail, fail);
    const r = await runAgent(shell, ['report', '--config', conf, '--retries', '1'], { env: clientEnv(client) });
    expect(r.code).toBe(4);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(2);
    expect(r.stderr).toMatch(/report failed after 2 attempts/);
  });

  it('report retries when the server cannot be reached', async () => {
    const conf = writeConfig(`http://127.0.0.1:${await closedPort()}`);
    const r = await runAgent(shell, ['report', '--config', conf, '--retries', '2'], { env: clientEnv(client) });
    expect(r.code).toBe(4);
    expect(r.stderr.match(/cannot reach/g)).toHaveLength(3);
  });

  it('report: 401 is final, with a clear message', async () => {
    const conf = writeConfig(server.url, 'revoked-credential');
    const r = await runAgent(shell, ['report', '--config', conf, '--retries', '3'], { env: clientEnv(client) });
    expect(r.code).toBe(3);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(1);
    expect(r.stderr).toMatch(/report refused by the server \(401\)/);
    expect(r.stderr).toMatch(
      client === 'curl' ? /ERR_AGENT_CREDENTIAL_INVALID: agent credential is not valid/ : /401 Unauthorized/,
    );
    expect(r.stderr).toMatch(/register again/);
  });

  it('report: other 4xx answers are final too', async () => {
    const conf = writeConfig(server.url);
    server.script('/api/v1/agent/inventory', {
      status: 413,
      body: {
        statusCode: 413,
        code: 'ERR_PAYLOAD_TOO_LARGE',
        error: 'Payload Too Large',
        message: 'inventory over 16 MiB',
      },
    });
    const r = await runAgent(shell, ['report', '--config', conf], { env: clientEnv(client) });
    expect(r.code).toBe(3);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(1);
    expect(r.stderr).toMatch(
      client === 'busybox' ? /413 Payload Too Large/ : /ERR_PAYLOAD_TOO_LARGE: inventory over 16 MiB/,
    );
  });

  it('report goes through http_proxy, and not when no_proxy names the host', async () => {
    const conf = writeConfig(server.url);
    const viaProxy = await runAgent(shell, ['report', '--config', conf], {
      env: clientEnv(client, { http_proxy: proxyUrl }),
    });
    if (client === 'busybox') {
      // busybox wget sends GET instead of POST through a proxy: the agent refuses, clearly
      expect(viaProxy.code).toBe(1);
      expect(viaProxy.stderr).toMatch(/busybox wget cannot POST through a proxy/);
      expect(proxied).toBe(0);
      const otherHosts = await runAgent(shell, ['report', '--config', conf], {
        env: clientEnv(client, { http_proxy: proxyUrl, no_proxy: 'example.com,.example.org,127.0.0.10' }),
      });
      expect(otherHosts.code).toBe(1);
      expect(otherHosts.stderr).toMatch(/cannot POST through a proxy/);
      const direct = await runAgent(shell, ['report', '--config', conf], {
        env: clientEnv(client, { http_proxy: proxyUrl, no_proxy: 'example.com, 127.0.0.1' }),
      });
      expect(direct.stderr).toBe('');
      expect(direct.code).toBe(0);
      expect(proxied).toBe(0);
      expect(server.on('/api/v1/agent/inventory')).toHaveLength(1);
      return;
    }
    expect(viaProxy.stderr).toBe('');
    expect(viaProxy.code).toBe(0);
    expect(proxied).toBe(1);
    const [proxiedReq] = server.on('/api/v1/agent/inventory');
    expect(proxiedReq?.headers.via).toMatch(/\(proxy\//);
    expect(proxiedReq?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);

    server.reset();
    const direct = await runAgent(shell, ['report', '--config', conf], {
      env: clientEnv(client, { http_proxy: proxyUrl, no_proxy: 'localhost,127.0.0.1' }),
    });
    expect(direct.code).toBe(0);
    expect(proxied).toBe(1);
    expect(server.on('/api/v1/agent/inventory')[0]?.headers.via).toBeUndefined();
  });
});

describe.each(SHELLS)('config handling under $name', (shell) => {
  it('report without a config file tells the user to register', async () => {
    const r = await runAgent(shell, ['report', '--config', join(tmpDir(), 'missing.conf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/run 'mamori-agent register' first/);
  });

  it('reads the config without executing it, and honours MAMORI_AGENT_CONF', async () => {
    const dir = tmpDir();
    const marker = join(dir, 'pwned');
    const conf = join(dir, 'agent.conf');
    put(
      conf,
      `MAMORI_SERVER=${server.url}\r\nMAMORI_HOST_ID="${HOST_ID}"\ntouch ${marker}\n$(touch ${marker})\nMAMORI_CREDENTIAL=${CREDENTIAL}`,
      0o600,
    );
    const r = await runAgent(shell, ['report'], { env: agentEnv({ MAMORI_AGENT_CONF: conf }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(() => statSync(marker)).toThrow();
    expect(server.on('/api/v1/agent/inventory')[0]?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
  });

  it('--jitter sleeps a random time within bounds first', async () => {
    const conf = writeConfig(server.url);
    const t0 = Date.now();
    const r = await runAgent(shell, ['report', '--config', conf, '--jitter', '1']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const bad = await runAgent(shell, ['report', '--config', conf, '--jitter', 'soon']);
    expect(bad.code).toBe(2);
  });

  it('refuses a server URL that is not http(s)', async () => {
    const r = await runAgent(shell, ['register', '--server', 'ftp://x', '--key', 'k', '--config', join(tmpDir(), 'c')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must start with http/);
  });
});
