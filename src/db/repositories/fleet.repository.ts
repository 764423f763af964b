import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** What the fleet runs, for deciding which feeds to sync. */
export class FleetRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Distinct (os-release `ID`, `VERSION_ID`) pairs of hosts that have reported an OS. */
  async releases(): Promise<{ distro: string; release: string }[]> {
    const rows = await this.db
      .selectFrom('hosts')
      .select(['os_id', 'os_version_id'])
      .distinct()
      .where('os_id', 'is not', null)
      .orderBy('os_id')
      .orderBy('os_version_id')
      .execute();
    return rows.map((r) => ({ distro: r.os_id ?? '', release: r.os_version_id ?? '' }));
  }
}
