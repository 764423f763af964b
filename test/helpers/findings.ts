/** Writing findings the way the match service does, for tests of the read side. */
import type { Kysely } from 'kysely';
import type { HostMatchState, MatchingRepository } from '../../src/db/repositories/matching.repository.js';
import type { DB } from '../../src/db/schema.js';
import type { FindingChange } from '../../src/matching/reconcile.js';

export function applyHostChanges(m: MatchingRepository, hostId: string, changes: readonly FindingChange[], at: Date, cause: string): Promise<void> {
  return m.applyChanges(
    changes.map((c) => ({ ...c, hostId })),
    at,
    cause,
  );
}

/** The id of a host's finding of `vulnerability` in package `pkg` (throws when there is none). */
export async function findingId(db: Kysely<DB>, hostId: string, vulnerability: string, pkg: string): Promise<string> {
  const r = await db
    .selectFrom('findings')
    .select('id')
    .where('host_id', '=', hostId)
    .where('vulnerability', '=', vulnerability)
    .where('package_name', '=', pkg)
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Stores a host's match state with its open findings counted by severity (as the service keeps them). */
export async function saveHostMatch(db: Kysely<DB>, m: MatchingRepository, hostId: string, s: Omit<HostMatchState, 'counts'>): Promise<void> {
  const rows = await db
    .selectFrom('findings')
    .select(['severity', (eb) => eb.fn.countAll<string>().as('n')])
    .where('host_id', '=', hostId)
    .where('state', '=', 'open')
    .groupBy('severity')
    .execute();
  await m.saveHostMatches([{ ...s, hostId, counts: Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)])) }]);
}
