/**
 * `mamori-agent install` / `uninstall` inside MAMORI_AGENT_DESTDIR (never this
 * machine's /etc), and the one-line installer agent/install.sh served by a
 * loopback test double of the server.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIAL, FakeMamori, GOOD_KEY, HOST_ID } from './fake-server.js';
import { AGENT, HAVE, SHELLS, agentEnv, put, removeTmpDirs, run, runAgent, stubBin, tmpDir } from './helpers.js';
import type { Shell } from './helpers.js';

let server: FakeMamori;

beforeAll(async () => {
  server = await FakeMamori.start();
});

afterAll(async () => {
  await server.close();
  removeTmpDirs();
});

beforeEach(() => {
  server.reset();
});

const AGENT_BYTES = readFileSync(AGENT);
const CRON_LINE =
  /^(\d{1,2}) (\d{1,2}) \* \* \* root (.*)PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin \/usr\/local\/sbin\/mamori-agent report --jitter 3600(.*)$/m;

/** A fake system root with the given directories. */
function destdir(...dirs: string[]): string {
  const d = tmpDir('mamori-destdir-');
  for (const sub of dirs) mkdirSync(join(d, sub), { recursive: true });
  return d;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function cronSchedule(text: string): { minute: number; hour: number; env: string; tail: string } {
  const m = CRON_LINE.exec(text);
  if (!m) throw new Error(`no mamori-agent cron line in:\n${text}`);
  return { minute: Number(m[1]), hour: Number(m[2]), env: m[3] ?? '', tail: m[4] ?? '' };
}

describe.each(SHELLS)('install under $name', (shell: Shell) => {
  it('registers, installs itself and writes /etc/cron.d/mamori-agent', async () => {
    const dest = destdir('etc/cron.d');
    const env = agentEnv({
      MAMORI_AGENT_DESTDIR: dest,
      https_proxy: 'http://proxy.example:3128',
      no_proxy: '.internal',
    });
    const r = await runAgent(shell, ['install', '--server', server.url, '--key', GOOD_KEY, '--no-report'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/registered as host/);

    const conf = join(dest, 'etc/mamori/agent.conf');
    expect(mode(conf)).toBe(0o600);
    expect(mode(join(dest, 'etc/mamori'))).toBe(0o700);
    expect(readFileSync(conf, 'utf8')).toContain(`MAMORI_CREDENTIAL=${CREDENTIAL}\n`);

    const installed = join(dest, 'usr/local/sbin/mamori-agent');
    expect(readFileSync(installed).equals(AGENT_BYTES)).toBe(true);
    expect(mode(installed)).toBe(0o755);

    const cronFile = join(dest, 'etc/cron.d/mamori-agent');
    expect(mode(cronFile)).toBe(0o644);
    const cron = readFileSync(cronFile, 'utf8');
    const s = cronSchedule(cron);
    expect(s.minute).toBeLessThan(60);
    expect(s.hour).toBeLessThan(24);
    // the proxy settings of the installing shell carry over to the scheduled runs
    expect(s.env).toContain("https_proxy='http://proxy.example:3128' ");
    expect(s.env).toContain("no_proxy='.internal' ");
    expect(s.tail).toBe(''); // default config: no --config
    expect(server.on('/api/v1/agent/register')).toHaveLength(1);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(0);

    // a second install keeps the registration
    const again = await runAgent(shell, ['install', '--server', server.url, '--no-report'], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`already registered with .* as host ${HOST_ID}`));
    expect(server.on('/api/v1/agent/register')).toHaveLength(1);

    const un = await runAgent(shell, ['uninstall'], { env });
    expect(un.code).toBe(0);
    expect(existsSync(cronFile)).toBe(false);
    expect(existsSync(conf)).toBe(true);
    const purge = await runAgent(shell, ['uninstall', '--purge'], { env });
    expect(purge.code).toBe(0);
    expect(existsSync(conf)).toBe(false);
    expect(existsSync(installed)).toBe(false);
  });

  it('chooses a random time of day at each install', async () => {
    const schedules = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const dest = destdir('etc/cron.d');
      const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest });
      const r = await runAgent(shell, ['install', '--server', server.url, '--key', GOOD_KEY, '--no-report'], { env });
      expect(r.code).toBe(0);
      const s = cronSchedule(readFileSync(join(dest, 'etc/cron.d/mamori-agent'), 'utf8'));
      schedules.add(`${s.minute} ${s.hour}`);
    }
    // 4 identical draws out of 1440 slots would happen once in ~3·10⁹ runs
    expect(schedules.size).toBeGreaterThan(1);
  });

  it('installs a systemd service and timer when systemd runs, then reports once', async () => {
    const dest = destdir('run/systemd/system', 'etc/cron.d');
    const log = join(tmpDir(), 'systemctl.log');
    // no systemd here: a stub records what the agent asks systemctl to do
    const bin = stubBin({ systemctl: `echo "$*" >> '${log}'` });
    const conf = join(tmpDir(), 'custom dir', 'agent.conf');
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const r = await runAgent(shell, ['install', '--server', server.url, '--key', GOOD_KEY, '--config', conf], { env });
    expect(r.code).toBe(0);
    expect(existsSync(join(dest, 'etc/cron.d/mamori-agent'))).toBe(false);

    const unitDir = join(dest, 'etc/systemd/system');
    const service = readFileSync(join(unitDir, 'mamori-agent.service'), 'utf8');
    const timer = readFileSync(join(unitDir, 'mamori-agent.timer'), 'utf8');
    expect(mode(join(unitDir, 'mamori-agent.service'))).toBe(0o644);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toContain(`ExecStart=/usr/local/sbin/mamori-agent report --config '${conf}'\n`);
    const cal = /^OnCalendar=\*-\*-\* (\d\d):(\d\d):00$/m.exec(timer);
    expect(cal).not.toBeNull();
    expect(Number(cal![1])).toBeLessThan(24);
    expect(Number(cal![2])).toBeLessThan(60);
    expect(timer).toMatch(/^RandomizedDelaySec=\d+$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^WantedBy=timers.target$/m);
    expect(readFileSync(log, 'utf8')).toBe('daemon-reload\nenable mamori-agent.timer\nstart mamori-agent.timer\n');
    expect(mode(conf)).toBe(0o600);

    // the first report went out with the new credential
    const inv = server.on('/api/v1/agent/inventory');
    expect(inv).toHaveLength(1);
    expect(inv[0]?.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);

    const un = await runAgent(shell, ['uninstall', '--config', conf], { env });
    expect(un.code).toBe(0);
    expect(existsSync(join(unitDir, 'mamori-agent.timer'))).toBe(false);
    expect(existsSync(join(unitDir, 'mamori-agent.service'))).toBe(false);
    expect(readFileSync(log, 'utf8')).toMatch(/stop mamori-agent.timer\ndisable mamori-agent.timer\ndaemon-reload\n$/);
  });

  it("uses busybox crond's /etc/crontabs/root on Alpine and leaves other entries alone", async () => {
    const dest = destdir('etc/crontabs', 'etc/cron.d');
    put(join(dest, 'etc/alpine-release'), '3.19.1\n');
    const before = '# do daily/weekly/monthly maintenance\n*/15\t*\t*\t*\t*\trun-parts /etc/periodic/15min\n';
    put(join(dest, 'etc/crontabs/root'), before, 0o600);
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest });
    for (const extra of [
      ['--key', GOOD_KEY],
      ['--reregister', '--key', GOOD_KEY],
    ]) {
      const r = await runAgent(shell, ['install', '--server', server.url, '--no-report', ...extra], { env });
      expect(r.code).toBe(0);
    }
    expect(server.on('/api/v1/agent/register')).toHaveLength(2);
    const tab = readFileSync(join(dest, 'etc/crontabs/root'), 'utf8');
    expect(tab.startsWith(before)).toBe(true);
    const ours = tab.split('\n').filter((l) => l.includes('mamori-agent report'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(
      /^\d{1,2} \d{1,2} \* \* \* PATH=\S+ \/usr\/local\/sbin\/mamori-agent report --jitter 3600 # mamori-agent$/,
    );
    expect(existsSync(join(dest, 'etc/cron.d/mamori-agent'))).toBe(false);
    expect(mode(join(dest, 'etc/crontabs/root'))).toBe(0o600);

    const un = await runAgent(shell, ['uninstall'], { env });
    expect(un.code).toBe(0);
    expect(readFileSync(join(dest, 'etc/crontabs/root'), 'utf8')).toBe(before);
  });

  it('needs a key to register and a scheduler to install', async () => {
    const dest = destdir('etc');
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest });
    const noKey = await runAgent(shell, ['install', '--server', server.url], { env });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--key KEY is required/);
    const noCron = await runAgent(shell, ['install', '--server', server.url, '--key', GOOD_KEY, '--no-report'], {
      env,
    });
    expect(noCron.code).toBe(1);
    expect(noCron.stderr).toMatch(/no scheduler found/);
  });
});

describe.each(SHELLS)('install.sh under $name', (shell: Shell) => {
  function oneLiner(fetch: string, args: string): string {
    return `${fetch} | ${shell.argv.join(' ')} -s -- ${args}`;
  }

  it.skipIf(!HAVE.curl)('curl … | sh -s -- --key KEY installs, registers, schedules and reports', async () => {
    const dest = destdir('etc/cron.d');
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest });
    const r = await run(['sh', '-c', oneLiner(`curl -fsSL ${server.url}/agent/install.sh`, `--key ${GOOD_KEY}`)], {
      env,
    });
    expect(r.stderr).toMatch(/installed .*usr\/local\/sbin\/mamori-agent \(0\.1\.0\)/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dest, 'usr/local/sbin/mamori-agent')).equals(AGENT_BYTES)).toBe(true);
    expect(mode(join(dest, 'usr/local/sbin/mamori-agent'))).toBe(0o755);
    // the server URL came from the substituted placeholder
    expect(readFileSync(join(dest, 'etc/mamori/agent.conf'), 'utf8')).toContain(`MAMORI_SERVER=${server.url}\n`);
    cronSchedule(readFileSync(join(dest, 'etc/cron.d/mamori-agent'), 'utf8'));
    expect(server.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      'GET /agent/install.sh',
      'GET /agent/mamori-agent',
      'POST /api/v1/agent/register',
      'POST /api/v1/agent/inventory',
    ]);
  });

  it.skipIf(!HAVE.busybox)('busybox wget -O- … | sh works too, passing options through', async () => {
    const dest = destdir('etc/cron.d');
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest, MAMORI_AGENT_HTTP: 'busybox' });
    const conf = join(tmpDir(), 'agent.conf');
    const r = await run(
      [
        'sh',
        '-c',
        oneLiner(`busybox wget -qO- ${server.url}/agent/install.sh`, `--key=${GOOD_KEY} --config ${conf} --no-report`),
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(conf, 'utf8')).toContain(`MAMORI_CREDENTIAL=${CREDENTIAL}\n`);
    expect(cronSchedule(readFileSync(join(dest, 'etc/cron.d/mamori-agent'), 'utf8')).tail).toBe(` --config '${conf}'`);
    expect(server.on('/api/v1/agent/inventory')).toHaveLength(0);
  });

  it('refuses a download that is not the agent script', async () => {
    server.agentOverride = '<!doctype html><title>Login</title>\n';
    const dest = destdir('etc/cron.d');
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: dest });
    const script = readFileSync(join(AGENT, '../install.sh'), 'utf8').replaceAll('@@MAMORI_SERVER@@', server.url);
    const r = await run([...shell.argv, '-s', '--', '--key', GOOD_KEY], { env, input: script });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a shell script/);
    expect(existsSync(join(dest, 'usr/local/sbin/mamori-agent'))).toBe(false);
    expect(server.on('/api/v1/agent/register')).toHaveLength(0);
  });

  it('needs --server when the placeholder was not substituted, and --key always', async () => {
    const env = agentEnv({ MAMORI_AGENT_DESTDIR: destdir() });
    const raw = await run([...shell.argv, join(AGENT, '../install.sh'), '--key', GOOD_KEY], { env });
    expect(raw.code).toBe(1);
    expect(raw.stderr).toMatch(/--server URL is required/);
    const noKey = await run([...shell.argv, join(AGENT, '../install.sh'), '--server', server.url], { env });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/--key KEY is required/);
  });
});
