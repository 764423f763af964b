/**
 * The sync as the server wires it (settings from environment variables, a fresh
 * HTTP client per run) through a real forward proxy on 127.0.0.1 and against an
 * HTTPS origin whose certificate only a custom CA file vouches for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { feedSyncSettingsFromEnv } from '../../src/feeds/fetch/config.js';
import { createFeedSyncRunner, silentLogger, type FeedSyncRunner } from '../../src/feeds/sync.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { MemoryStateStore, recordingImport, sendWithValidators, startHttpsOrigin, startOrigin, type TestOrigin } from './helpers.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const OPENSSL = hasOpenssl();

let kevJson: Buffer;
let staging: string;
let origin: TestOrigin | undefined;
let proxy: { server: ProxyServer; url: string; requests: string[]; connects: string[] } | undefined;

async function startProxy(): Promise<NonNullable<typeof proxy>> {
  const server = createProxy(createServer());
  const requests: string[] = [];
  const connects: string[] = [];
  server.on('request', (req: IncomingMessage) => requests.push(req.url ?? ''));
  server.on('connect', (req: IncomingMessage) => connects.push(req.url ?? ''));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests, connects };
}

function runner(env: NodeJS.ProcessEnv, state = new MemoryStateStore()): { run: FeedSyncRunner; calls: ReturnType<typeof recordingImport>['calls']; state: MemoryStateStore } {
  const imp = recordingImport();
  const run = createFeedSyncRunner({
    state,
    importFiles: imp.importFiles,
    fleetReleases: () => Promise.resolve([]),
    settings: feedSyncSettingsFromEnv(env),
    stagingDir: staging,
    clock: fixedClock('2026-11-25T09:00:00Z'),
    log: silentLogger,
    http: { retries: 1, backoffBaseMs: 5, backoffMaxMs: 10 },
  });
  return { run, calls: imp.calls, state };
}

describe.skipIf(!HAS_SHARED_DATA)(`feed sync through a proxy and custom TLS (shared data in ${SHARED_DATA})`, () => {
  beforeAll(async () => {
    kevJson = await readFile(join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json'));
  });
  beforeEach(async () => {
    staging = await mkdtemp(join(tmpdir(), 'mamori-sync-proxy-'));
  });
  afterEach(async () => {
    await origin?.close();
    origin = undefined;
    if (proxy !== undefined) {
      const s = proxy.server;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => { r(); }));
      proxy = undefined;
    }
    await rm(staging, { recursive: true, force: true });
  });

  it('goes through HTTP_PROXY when NO_PROXY does not match the host (localhost is not exempt by default)', async () => {
    origin = await startOrigin((req, res) => { sendWithValidators(req, res, kevJson, '"k"'); });
    proxy = await startProxy();
    const { run, calls } = runner({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.invalid,.corp.example', MAMORI_FEED_MIRROR: `${origin.url}/mirror` });
    const results = await run.run({ sources: ['kev'] });
    expect(results.map((r) => [r.sourceId, r.outcome, r.message])).toEqual([['kev', 'imported', null]]);
    expect(calls[0]?.enrichments).toBeGreaterThan(1000);
    // the proxy got the absolute-form request, and the origin saw it arrive from the proxy
    expect(proxy.requests).toEqual([`${origin.url}/mirror/kev/known_exploited_vulnerabilities.json`]);
    expect(origin.requests).toHaveLength(1);
    expect(origin.requests[0]?.headers.via).toMatch(/\(proxy\//);
    expect(origin.requests[0]?.headers['user-agent']).toBe('mamori/0.1.0');
  });

  it('bypasses the proxy for hosts NO_PROXY names (lower-case variables win)', async () => {
    origin = await startOrigin((req, res) => { sendWithValidators(req, res, kevJson, '"k"'); });
    proxy = await startProxy();
    const { run } = runner({ http_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:9', no_proxy: '127.0.0.1', MAMORI_FEED_MIRROR: origin.url });
    const results = await run.run({ sources: ['kev'] });
    expect(results.map((r) => r.outcome)).toEqual(['imported']);
    expect(proxy.requests).toEqual([]);
    expect(origin.requests[0]?.headers.via).toBeUndefined();
  });

  it('reports an unreachable proxy as a failed source, after retrying', async () => {
    const { run, state } = runner({ HTTP_PROXY: 'http://127.0.0.1:9', MAMORI_FEED_BASE_KEV: 'http://127.0.0.1:1/kev/' });
    const [r] = await run.run({ sources: ['kev'] });
    expect(r?.outcome).toBe('error');
    expect(r?.message).toMatch(/ECONNREFUSED/);
    expect(state.finished).toMatchObject([{ sourceId: 'kev', ok: false }]);
  });

  describe.skipIf(!OPENSSL)('HTTPS with a private CA (openssl available)', () => {
    let pki: string;
    let tls: { key: string; cert: string };
    beforeAll(async () => {
      pki = await mkdtemp(join(tmpdir(), 'mamori-pki-'));
      const o = (args: string[]): void => {
        execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
      };
      o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mamori Test Inspecting Proxy CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
      await writeFile(join(pki, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
      o(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
      tls = { key: await readFile(join(pki, 'srv.key'), 'utf8'), cert: await readFile(join(pki, 'srv.pem'), 'utf8') };
    });
    afterAll(async () => {
      await rm(pki, { recursive: true, force: true });
    });

    it('refuses the unknown CA without retrying and says how to fix it; trusts it from MAMORI_CA_FILE', async () => {
      origin = await startHttpsOrigin(tls, (req, res) => { sendWithValidators(req, res, kevJson, '"k"'); });
      const without = await runner({ MAMORI_FEED_MIRROR: origin.url }).run.run({ sources: ['kev'] });
      expect(without[0]?.outcome).toBe('error');
      expect(without[0]?.message).toMatch(/TLS to 127\.0\.0\.1:\d+ failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
      expect(without[0]?.message).toMatch(/set MAMORI_CA_FILE/);
      expect(origin.requests).toHaveLength(0);

      const withCa = await runner({ MAMORI_FEED_MIRROR: origin.url, MAMORI_CA_FILE: join(pki, 'ca.pem') }).run.run({ sources: ['kev'] });
      expect(withCa.map((r) => [r.outcome, r.message])).toEqual([['imported', null]]);
      expect(origin.requests).toHaveLength(1);
    });

    it('tunnels HTTPS through HTTPS_PROXY with CONNECT and verifies the origin against the CA file', async () => {
      origin = await startHttpsOrigin(tls, (req, res) => { sendWithValidators(req, res, kevJson, '"k"'); });
      proxy = await startProxy();
      const host = new URL(origin.url).host;
      const { run } = runner({ HTTPS_PROXY: proxy.url, NO_PROXY: 'example.invalid', MAMORI_FEED_MIRROR: origin.url, MAMORI_CA_FILE: join(pki, 'ca.pem') });
      const results = await run.run({ sources: ['kev'] });
      expect(results.map((r) => [r.outcome, r.message])).toEqual([['imported', null]]);
      expect(proxy.connects).toEqual([host]);
      expect(proxy.requests).toEqual([]);
    });

    it('rejects a CA file without a certificate before any download', async () => {
      await writeFile(join(pki, 'empty.pem'), 'not a certificate\n');
      await expect(runner({ MAMORI_CA_FILE: join(pki, 'empty.pem') }).run.run({ sources: ['kev'] })).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    });
  });
});
