import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDocument, createTestApp, type TestApp } from '../../test/helpers/app.js';
import { SHARED_DATA } from '../../test/helpers/shared-data.js';

let t: TestApp;
let adminToken: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.ctx.deps.auth.ensureAdmin('correct horse battery staple');
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'correct horse battery staple' } });
  adminToken = r.json<{ token: string }>().token;
});
afterAll(async () => {
  await t.close();
});

const admin = () => ({ authorization: `Bearer ${adminToken}` });

async function createKey(body: Record<string, unknown> = { name: 'web servers' }): Promise<{ key: string; id: string }> {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/registration-keys', headers: admin(), payload: body });
  expect(r.statusCode).toBe(201);
  const j = r.json<{ key: string; registrationKey: { id: string } }>();
  return { key: j.key, id: j.registrationKey.id };
}

async function register(key: string, hostname = 'web01', machineId = '0123456789abcdef0123456789abcdef') {
  return t.app.inject({ method: 'POST', url: '/api/v1/agent/register', payload: { key, hostname, machineId, fqdn: `${hostname}.example.jp` } });
}

function report(credential: string, body: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/agent/inventory',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

describe('health', () => {
  it('answers healthz and readyz', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
  });
});

describe('auth', () => {
  it('refuses a wrong password and unauthenticated admin calls', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/registration-keys' });
    expect(r.statusCode).toBe(401);
    const forged = await t.app.inject({ method: 'GET', url: '/api/v1/registration-keys', headers: { 'x-mamori-local': 'guess' } });
    expect(forged.statusCode).toBe(401);
  });
});

describe('registration keys and agent registration', () => {
  it('creates a key shown once, stores only its hash, lists and revokes it', async () => {
    const { key, id } = await createKey({ name: 'db servers', maxHosts: 5, expiresAt: '2027-01-31' });
    expect(key).toMatch(/^mrk_[A-Za-z0-9_-]{43}$/);
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/registration-keys', headers: admin() })).json<{
      items: { id: string; state: string; expiresAt: string; maxHosts: number }[];
    }>();
    const k = list.items.find((i) => i.id === id);
    expect(k).toMatchObject({ state: 'active', expiresAt: '2027-01-31T23:59:59.999Z', maxHosts: 5 });
    expect(JSON.stringify(list)).not.toContain(key);
    const stored = await t.db.db.selectFrom('registration_keys').select('key_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.key_hash).not.toContain(key.slice(4));

    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/registration-keys/${id}`, headers: admin() });
    expect(revoked.json()).toMatchObject({ state: 'revoked' });
    const r = await register(key, 'after-revoke');
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'ERR_REGISTRATION_KEY_INVALID' });
  });

  it('refuses an expired key and a used-up key, and an unknown key', async () => {
    const { key } = await createKey({ name: 'short-lived', expiresAt: '2026-11-26' });
    t.clock.advance(3 * 24 * 3600_000);
    try {
      const r = await register(key, 'late');
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'ERR_REGISTRATION_KEY_INVALID', message: 'registration key has expired' });
    } finally {
      t.clock.advance(-3 * 24 * 3600_000);
    }
    const one = await createKey({ name: 'one host', maxHosts: 1 });
    expect((await register(one.key, 'first', 'aa')).statusCode).toBe(201);
    // the same machine may re-register with it; another may not
    expect((await register(one.key, 'first', 'aa')).statusCode).toBe(201);
    const second = await register(one.key, 'second', 'bb');
    expect(second.statusCode).toBe(403);
    expect(second.json()).toMatchObject({ code: 'ERR_REGISTRATION_KEY_EXHAUSTED' });
    expect((await register('mrk_nonsense', 'x')).statusCode).toBe(403);
  });

  it('re-registering the same machine keeps one host and rotates its credential', async () => {
    const { key } = await createKey();
    const a = (await register(key, 'app01', 'cafe01')).json<{ hostId: string; credential: string; created: boolean }>();
    const b = (await register(key, 'app01', 'cafe01')).json<{ hostId: string; credential: string; created: boolean }>();
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.hostId).toBe(a.hostId);
    expect(b.credential).not.toBe(a.credential);
    const doc = agentDocument({ hostname: 'app01', machineId: 'cafe01' });
    expect((await report(a.credential, doc)).statusCode).toBe(401);
    expect((await report(b.credential, doc)).statusCode).toBe(202);
  });
});

describe('inventory reports', () => {
  let credential: string;
  let hostId: string;
  beforeAll(async () => {
    const { key } = await createKey({ name: 'reports' });
    const r = (await register(key, 'web01')).json<{ hostId: string; credential: string }>();
    credential = r.credential;
    hostId = r.hostId;
  });

  it('stores a report and shows the host and its packages', async () => {
    const r = await report(credential, agentDocument());
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ hostId, packages: 3, added: 3, removed: 0, changed: 0, unparsed: 0 });
    const host = (await t.app.inject({ url: `/api/v1/hosts/${hostId}`, headers: admin() })).json<Record<string, unknown>>();
    expect(host).toMatchObject({
      hostname: 'web01',
      os: { id: 'debian', versionId: '12', codename: 'bookworm' },
      kernel: { release: '6.1.0-18-amd64' },
      packageCount: 3,
      syncState: 'ok',
      stale: false,
      lastReportAt: '2026-11-25T09:00:00.000Z',
    });
    const pk = (await t.app.inject({ url: `/api/v1/hosts/${hostId}/packages?q=ssl`, headers: admin() })).json<{ items: Record<string, unknown>[] }>();
    expect(pk.items).toEqual([
      expect.objectContaining({ name: 'libssl3', evr: '3.0.11-1~deb12u2', sourceName: 'openssl', arch: 'amd64', manager: 'dpkg' }),
      expect.objectContaining({ name: 'openssl', evr: '3.0.11-1~deb12u2', sourceName: 'openssl' }),
    ]);
  });

  it('accepts gzip and records only what changed, with history', async () => {
    t.clock.advance(3600_000);
    const doc = agentDocument({
      packages: [
        'bash\t5.2.15-2+b2\tamd64\tbash\t5.2.15-2\tinstall ok installed',
        'libssl3\t3.0.13-1~deb12u1\tamd64\topenssl\t3.0.13-1~deb12u1\tinstall ok installed',
        'curl\t7.88.1-10+deb12u5\tamd64\tcurl\t7.88.1-10+deb12u5\tinstall ok installed',
        'vim\t2:9.0.1378-2\tamd64\tvim\t2:9.0.1378-2\tdeinstall ok config-files',
      ],
    });
    const r = await report(credential, gzipSync(JSON.stringify(doc)), { 'content-encoding': 'gzip' });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ packages: 3, added: 1, removed: 1, changed: 1 });
    const changes = await t.db.db
      .selectFrom('package_changes')
      .select(['kind', 'name', 'old_evr', 'new_evr'])
      .where('host_id', '=', hostId)
      .where('inventory_id', '=', r.json<{ inventoryId: string }>().inventoryId)
      .orderBy('name')
      .execute();
    expect(changes).toEqual([
      { kind: 'added', name: 'curl', old_evr: null, new_evr: '7.88.1-10+deb12u5' },
      { kind: 'changed', name: 'libssl3', old_evr: '3.0.11-1~deb12u2', new_evr: '3.0.13-1~deb12u1' },
      { kind: 'removed', name: 'openssl', old_evr: '3.0.11-1~deb12u2', new_evr: null },
    ]);
    const reports = (await t.app.inject({ url: `/api/v1/hosts/${hostId}/reports`, headers: admin() })).json<{ items: { added: number }[] }>();
    expect(reports.items.map((i) => i.added)).toEqual([1, 3]);
  });

  it('stores and flags a package whose version does not parse', async () => {
    const doc = agentDocument({
      packages: [
        'bash\t5.2.15-2+b2\tamd64\tbash\t5.2.15-2\tinstall ok installed',
        'weird\tnot a version!\tamd64\tweird\t\tinstall ok installed',
      ],
    });
    const r = await report(credential, doc);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ packages: 2, unparsed: 1 });
    const pk = (await t.app.inject({ url: `/api/v1/hosts/${hostId}/packages?q=weird`, headers: admin() })).json<{
      items: { evr: string; unparsedReason: string | null }[];
    }>();
    expect(pk.items[0]?.evr).toBe('not a version!');
    expect(pk.items[0]?.unparsedReason).toEqual(expect.any(String));
  });

  it('marks a host stale after the stale interval', async () => {
    t.clock.advance(49 * 3600_000);
    try {
      const list = (await t.app.inject({ url: '/api/v1/hosts', headers: t.local })).json<{ items: { id: string; syncState: string; stale: boolean }[] }>();
      expect(list.items.find((h) => h.id === hostId)).toMatchObject({ syncState: 'stale', stale: true });
    } finally {
      t.clock.advance(-49 * 3600_000);
    }
  });

  describe('bad input gets a clear 4xx and changes nothing', () => {
    const cases: [string, () => Promise<{ statusCode: number; json: () => unknown }>, number, string][] = [
      ['malformed JSON', () => report(credential, '{"schemaVersion": 1,'), 400, 'ERR_BAD_JSON'],
      ['empty body', () => report(credential, ''), 400, 'ERR_BAD_JSON'],
      ['unknown schema version', () => report(credential, { ...agentDocument(), schemaVersion: 99 }), 422, 'ERR_INVENTORY_SCHEMA_VERSION'],
      ['missing OS release', () => report(credential, { ...agentDocument(), files: {} }), 422, 'ERR_INVENTORY_NO_OS_RELEASE'],
      ['__proto__ key', () => report(credential, `{"schemaVersion":1,"__proto__":{"polluted":true}}`), 400, 'ERR_VALIDATION'],
      ['constructor.prototype key', () => report(credential, `{"schemaVersion":1,"constructor":{"prototype":{"x":1}}}`), 400, 'ERR_VALIDATION'],
      ['invalid UTF-8', () => report(credential, Buffer.concat([Buffer.from('{"schemaVersion":1,"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), 400, 'ERR_BAD_ENCODING'],
      ['corrupt gzip', () => report(credential, Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400, 'ERR_BAD_ENCODING'],
      ['unknown encoding', () => report(credential, '{}', { 'content-encoding': 'br' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['oversized body', () => report(credential, JSON.stringify({ schemaVersion: 1, pad: 'x'.repeat(17 * 1024 * 1024) })), 413, 'ERR_PAYLOAD_TOO_LARGE'],
      ['gzip bomb', () => report(credential, gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), { 'content-encoding': 'gzip' }), 413, 'ERR_PAYLOAD_TOO_LARGE'],
      ['wrong content type', () => t.app.inject({ method: 'POST', url: '/api/v1/agent/inventory', headers: { authorization: `Bearer ${credential}`, 'content-type': 'text/plain' }, payload: 'hi' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['no credential', () => t.app.inject({ method: 'POST', url: '/api/v1/agent/inventory', payload: agentDocument() }), 401, 'ERR_UNAUTHENTICATED'],
      ['another host’s document', () => report(credential, agentDocument({ hostname: 'db01', machineId: 'ffffffffffffffffffffffffffffffff' })), 409, 'ERR_INVENTORY_HOST_MISMATCH'],
    ];
    it.each(cases)('%s', async (_name, send, status, code) => {
      const before = await t.db.db.selectFrom('inventories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const pkgsBefore = await t.db.db.selectFrom('host_packages').selectAll().where('host_id', '=', hostId).orderBy('name').execute();
      const r = await send();
      expect(r.statusCode).toBe(status);
      expect(r.json()).toMatchObject({ statusCode: status, code });
      const after = await t.db.db.selectFrom('inventories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
      expect(await t.db.db.selectFrom('host_packages').selectAll().where('host_id', '=', hostId).orderBy('name').execute()).toEqual(pkgsBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});

describe('uploads by people', () => {
  it('imports a Vuls scan result as a new host, and again without duplicating it', async () => {
    const vuls = JSON.parse(readFileSync(`${SHARED_DATA}/inventories/vuls-scan-results/centos_7.json`, 'utf8')) as unknown;
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/inventories', headers: admin(), payload: vuls as object });
    expect(first.statusCode).toBe(201);
    const s = first.json<{ hostId: string; packages: number; added: number }>();
    expect(s.packages).toBeGreaterThan(100);
    expect(s.added).toBe(s.packages);
    const again = (await t.app.inject({ method: 'POST', url: '/api/v1/inventories', headers: admin(), payload: vuls as object })).json<{
      hostId: string; added: number; removed: number; changed: number;
    }>();
    expect(again).toMatchObject({ hostId: s.hostId, added: 0, removed: 0, changed: 0 });
    const host = (await t.app.inject({ url: `/api/v1/hosts/${s.hostId}`, headers: admin() })).json<{ os: { id: string; versionId: string } }>();
    expect(host.os).toMatchObject({ id: 'centos' });
    expect(host.os.versionId.startsWith('7')).toBe(true);
  });

  it('is admin-only', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/inventories', payload: agentDocument() });
    expect(r.statusCode).toBe(401);
  });
});

describe('host list', () => {
  it('pages with a cursor without gaps or repeats', async () => {
    const { key } = await createKey({ name: 'many' });
    for (let i = 0; i < 7; i++) {
      const c = (await register(key, `page-${i}`, `feed${i}`)).json<{ credential: string }>();
      expect((await report(c.credential, agentDocument({ hostname: `page-${i}`, machineId: `feed${i}` }))).statusCode).toBe(202);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/hosts?q=page-&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = (await t.app.inject({ url, headers: admin() })).json<{ items: { hostname: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((h) => h.hostname));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const bad = await t.app.inject({ url: '/api/v1/hosts?cursor=garbage', headers: admin() });
    expect(bad.json()).toMatchObject({ code: 'ERR_VALIDATION' });
  });

  it('404s an unknown host and 400s a malformed id', async () => {
    expect((await t.app.inject({ url: '/api/v1/hosts/00000000-0000-4000-8000-000000000000', headers: admin() })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/v1/hosts/nope', headers: admin() })).statusCode).toBe(400);
  });
});

describe('agent files and API docs', () => {
  it('serves the agent and an installer that points at this server', async () => {
    const agent = await t.app.inject('/agent/mamori-agent');
    expect(agent.statusCode).toBe(200);
    expect(agent.body.startsWith('#!/bin/sh')).toBe(true);
    const inst = await t.app.inject({ url: '/agent/install.sh', headers: { host: 'mamori.example.jp:8080' } });
    expect(inst.body).toContain('http://mamori.example.jp:8080');
    expect(inst.body).not.toContain('@@MAMORI_SERVER@@');
  });

  it('publishes an OpenAPI document of every route with the error codes', async () => {
    const doc = (await t.app.inject('/api/docs/json')).json<{ paths: Record<string, unknown>; info: { description: string } }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/agent/register', '/api/v1/agent/inventory', '/api/v1/hosts', '/api/v1/hosts/{id}/packages', '/api/v1/registration-keys']),
    );
    expect(doc.info.description).toContain('ERR_INVENTORY_HOST_MISMATCH');
    expect((await t.app.inject('/api/docs/')).statusCode).toBe(200);
  });
});
