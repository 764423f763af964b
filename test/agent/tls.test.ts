/**
 * A server whose certificate comes from a private CA: `--cacert` (and
 * MAMORI_CACERT in the config) must make register/report work, and a TLS
 * failure must be final, not retried. Certificates are made here with openssl.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIAL, FakeMamori, GOOD_KEY, HOST_ID } from './fake-server.js';
import { HAVE, HTTP_CLIENTS, SHELLS, agentEnv, put, removeTmpDirs, run, runAgent, tmpDir, which } from './helpers.js';

const HAVE_OPENSSL = which('openssl') !== undefined;
let server: FakeMamori | undefined;
let caFile = '';

/** A CA and a server certificate for IP 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { key: Buffer; cert: Buffer; ca: string } {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mamori Test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  put(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    key: readFileSync(join(dir, 'server.key')),
    cert: readFileSync(join(dir, 'server.pem')),
    ca: join(dir, 'ca.pem'),
  };
}

beforeAll(async () => {
  if (!HAVE_OPENSSL) return;
  const certs = makeCertificates(tmpDir('mamori-tls-'));
  caFile = certs.ca;
  server = await FakeMamori.start({ key: certs.key, cert: certs.cert });
});

afterAll(async () => {
  await server?.close();
  removeTmpDirs();
});

beforeEach(() => {
  server?.reset();
});

const COMBOS = SHELLS.flatMap((shell) =>
  HTTP_CLIENTS.map((client) => ({ shell, client, label: `${shell.name} + ${client}` })),
);

describe.skipIf(!HAVE_OPENSSL).each(COMBOS)('private CA, $label', ({ shell, client }) => {
  const env = (): NodeJS.ProcessEnv => agentEnv({ MAMORI_AGENT_HTTP: client, MAMORI_AGENT_RETRY_BASE: '0.05' });

  it('register --cacert keeps the CA in the config, and report uses it', async () => {
    const conf = join(tmpDir(), 'agent.conf');
    const reg = await runAgent(
      shell,
      ['register', '--server', server!.url, '--key', GOOD_KEY, '--cacert', caFile, '--config', conf],
      { env: env() },
    );
    if (client === 'busybox') {
      expect(reg.code).toBe(1);
      expect(reg.stderr).toMatch(/busybox wget cannot use --cacert/);
      return;
    }
    expect(reg.code).toBe(0);
    expect(readFileSync(conf, 'utf8')).toContain(`MAMORI_CACERT=${caFile}\n`);
    const rep = await runAgent(shell, ['report', '--config', conf], { env: env() });
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(0);
    expect(server!.on('/api/v1/agent/inventory')[0]?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
  });

  it.skipIf(client === 'busybox')('an unknown CA is a final TLS error, not retried', async () => {
    const conf = join(tmpDir(), 'agent.conf');
    put(conf, `MAMORI_SERVER=${server!.url}\nMAMORI_HOST_ID=${HOST_ID}\nMAMORI_CREDENTIAL=${CREDENTIAL}\n`, 0o600);
    const t0 = Date.now();
    const r = await runAgent(shell, ['report', '--config', conf, '--retries', '3'], {
      env: agentEnv({ MAMORI_AGENT_HTTP: client, MAMORI_AGENT_RETRY_BASE: '2' }),
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/report failed: TLS error/);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(server!.requests).toHaveLength(0);
  });
});

describe.skipIf(!HAVE_OPENSSL || !HAVE.curl).each(SHELLS)('install.sh over https under $name', (shell) => {
  it('passes --cacert on to the agent, whose first report succeeds', async () => {
    const dest = tmpDir('mamori-destdir-');
    put(join(dest, 'etc/cron.d/.keep'), '');
    const oneLiner = `curl --cacert ${caFile} -fsSL ${server!.url}/agent/install.sh | ${shell.argv.join(' ')} -s -- --key ${GOOD_KEY} --cacert ${caFile}`;
    const r = await run(['sh', '-c', oneLiner], { env: agentEnv({ MAMORI_AGENT_DESTDIR: dest }) });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dest, 'etc/mamori/agent.conf'), 'utf8')).toContain(`MAMORI_CACERT=${caFile}\n`);
    expect(server!.on('/api/v1/agent/inventory')).toHaveLength(1);
  });
});
