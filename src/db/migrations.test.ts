import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { FindingsRepository } from './repositories/findings.repository.js';
import { migrateTo, migrateToLatest } from './migrate.js';

/** Migrations that move existing data: a database at the older schema, with rows, brought up to date. */
describe('0007: a finding keeps its opening in its row', () => {
  let t: TestDatabase;
  const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
  let findings: { untouched: string; changed: string; orphan: string };

  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
    const db = t.db as Kysely<unknown>;
    await migrateTo(db, '0006-findings-write-path');
    const host = (await sql<{ id: string }>`insert into hosts (hostname, machine_id) values ('h1', 'm1') returning id`.execute(db)).rows[0]!.id;
    const insert = async (vulnerability: string, installed: string): Promise<string> =>
      (
        await sql<{ id: string }>`
          insert into findings (host_id, vulnerability, package_name, arch, state, source_package, installed_version, fixed_version, fix_state,
                                severity, advisories, sources, explanation, first_seen_at, last_changed_at)
          values (${host}, ${vulnerability}, 'openssl', 'x86_64', 'open', 'openssl', ${installed}, '1:3.0.7-18.el9', 'fixed',
                  'high', '{ALSA-2024:1}', '{osv:AlmaLinux}', '[]', ${at(0)}, ${at(2)})
          returning id`.execute(db)
      ).rows[0]!.id;
    findings = { untouched: await insert('CVE-2024-0001', '1:3.0.7-16.el9'), changed: await insert('CVE-2024-0002', '1:3.0.7-17.el9'), orphan: await insert('CVE-2024-0003', '1:3.0.7-16.el9') };
    const event = (id: string, minute: number, kind: string, from: string | null, to: string | null, resolution: string | null, cause: string) =>
      sql`insert into finding_events (finding_id, at, kind, from_version, to_version, resolution, cause)
          values (${id}, ${at(minute)}, ${kind}, ${from}, ${to}, ${resolution}, ${cause})`.execute(db);
    await event(findings.untouched, 0, 'opened', null, '1:3.0.7-16.el9', null, 'inventory A');
    await event(findings.changed, 0, 'opened', null, '1:3.0.7-16.el9', null, 'feed update');
    await event(findings.changed, 1, 'updated', '1:3.0.7-16.el9', '1:3.0.7-17.el9', null, 'inventory B');
    await event(findings.changed, 2, 'resolved', '1:3.0.7-17.el9', '1:3.0.7-18.el9', 'fixed', 'inventory C');
    expect(await migrateToLatest(db)).toContain('0007-findings-opened-in-row');
  });
  afterAll(async () => {
    await t.close();
  });

  it('moves each opened event into its finding and shows the same history as before', async () => {
    const repo = new FindingsRepository(t.db);
    expect(await repo.events(findings.untouched)).toEqual([
      { kind: 'opened', at: new Date(at(0)), fromVersion: null, toVersion: '1:3.0.7-16.el9', resolution: null, cause: 'inventory A' },
    ]);
    expect(await repo.events(findings.changed)).toEqual([
      { kind: 'opened', at: new Date(at(0)), fromVersion: null, toVersion: '1:3.0.7-16.el9', resolution: null, cause: 'feed update' },
      { kind: 'updated', at: new Date(at(1)), fromVersion: '1:3.0.7-16.el9', toVersion: '1:3.0.7-17.el9', resolution: null, cause: 'inventory B' },
      { kind: 'resolved', at: new Date(at(2)), fromVersion: '1:3.0.7-17.el9', toVersion: '1:3.0.7-18.el9', resolution: 'fixed', cause: 'inventory C' },
    ]);
    // a finding whose opening was never recorded says so rather than inventing a cause
    expect((await repo.events(findings.orphan))[0]).toMatchObject({ kind: 'opened', cause: 'unknown' });
    const kinds = await sql<{ kind: string }>`select distinct kind from finding_events order by kind`.execute(t.db);
    expect(kinds.rows.map((r) => r.kind)).toEqual(['resolved', 'updated']);
    await expect(
      sql`insert into finding_events (finding_id, at, kind, cause) values (${findings.untouched}, now(), 'opened', 'x')`.execute(t.db),
    ).rejects.toThrow(/finding_events_kind_check/);
  });

  it('keys findings by (host, package, arch, vulnerability), still unique', async () => {
    const def = await sql<{ d: string }>`select pg_get_constraintdef(oid) as d from pg_constraint where conname = 'findings_identity_key'`.execute(t.db);
    expect(def.rows[0]?.d).toBe('UNIQUE (host_id, package_name, arch, vulnerability)');
    await expect(
      sql`insert into findings (host_id, vulnerability, package_name, arch, state, source_package, installed_version, fix_state, severity,
                                advisories, sources, explanation, first_seen_at, opened_cause, last_changed_at)
          select host_id, vulnerability, package_name, arch, state, source_package, installed_version, fix_state, severity,
                 advisories, sources, explanation, first_seen_at, opened_cause, last_changed_at
          from findings where id = ${findings.untouched}`.execute(t.db),
    ).rejects.toThrow(/findings_identity_key/);
  });
});
