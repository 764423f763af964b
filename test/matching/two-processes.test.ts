/**
 * Two `mamori serve` processes on one PostgreSQL share the matching queue:
 * every job is done exactly once, by either process, and no finding is
 * opened twice. (The embedded database is one process by design: PostgreSQL only.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { FeedsRepository } from '../../src/db/repositories/feeds.repository.js';
import { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import { startServe, type ServerProcess } from '../helpers/cli.js';
import { createScratchPgDatabase, TEST_PG_URL } from '../helpers/db.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';

const PASSWORD = 'two-processes-password';
const HOSTS = 60;

describe.skipIf(TEST_PG_URL === undefined || !HAS_SHARED_DATA)('two server processes on one PostgreSQL', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let db: Database;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchPgDatabase();
    db = await openDatabase({ url: scratch.url });
    const feeds = new FeedImportService(
      { feeds: new FeedsRepository(db.db), transaction: (fn) => db.db.transaction().execute((tx) => fn({ feeds: new FeedsRepository(tx) })) },
      systemClock,
    );
    await feeds.importPaths([join(SHARED_DATA, 'osv/almalinux/almalinux8')]);
    for (let i = 0; i < 2; i++) servers.push(await startServe(['--database-url', scratch.url, '--stale-after', '48'], { MAMORI_ADMIN_PASSWORD: PASSWORD }));
  });
  afterAll(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await db.close();
    await scratch.drop();
  });

  it('shares the jobs: each done once, findings opened once', async () => {
    const tokens: string[] = [];
    for (const s of servers) {
      const r = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
      tokens.push(((await r.json()) as { token: string }).token);
    }
    const vuls = JSON.parse(readFileSync(join(SHARED_DATA, 'inventories/vuls-scan-results/alma_8.json'), 'utf8')) as Record<string, unknown>;
    for (let i = 0; i < HOSTS; i++) {
      const s = servers[i % 2]!;
      const r = await fetch(`${s.url}/api/v1/inventories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % 2]!}` },
        body: JSON.stringify({ ...vuls, serverName: `alma-${i}` }),
      });
      expect(r.status).toBe(201);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const left = await db.db.selectFrom('match_jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('state', 'in', ['pending', 'running']).executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      if (Date.now() > deadline) throw new Error(`${left.n} match jobs still queued`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const jobs = await db.db.selectFrom('match_jobs').select(['kind', 'state', 'attempts', 'locked_by']).execute();
    // one job per report, plus the one that turned the feed import's key changes into matching
    expect(jobs.filter((j) => j.kind === 'host')).toHaveLength(HOSTS);
    expect(jobs.every((j) => j.state === 'done' && j.attempts === 1)).toBe(true);
    expect(new Set(jobs.map((j) => j.locked_by)).size).toBe(2);
    // every finding was opened once, by its host's report, and nothing happened to it since
    const causes = await db.db.selectFrom('findings').select('opened_cause').distinct().execute();
    expect(causes.length).toBeGreaterThan(0);
    expect(causes.every((c) => c.opened_cause.startsWith('inventory '))).toBe(true);
    expect(await db.db.selectFrom('finding_events').select('id').execute()).toEqual([]);
    const matched = await db.db.selectFrom('hosts').select((eb) => eb.fn.countAll<string>().as('n')).where('last_matched_at', 'is not', null).executeTakeFirstOrThrow();
    expect(Number(matched.n)).toBe(HOSTS);
    const counts = await db.db.selectFrom('findings').select(['host_id', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('host_id').execute();
    expect(new Set(counts.map((c) => c.n)).size).toBe(1);
  });
});
