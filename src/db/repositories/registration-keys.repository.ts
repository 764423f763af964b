import type { Kysely } from 'kysely';
import type { DB, RegistrationKeyRow } from '../schema.js';

export interface RegistrationKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  maxHosts: number | null;
  hostsRegistered: number;
  revokedAt: Date | null;
}

export function toRegistrationKey(r: RegistrationKeyRow): RegistrationKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.key_prefix,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    maxHosts: r.max_hosts,
    hostsRegistered: r.hosts_registered,
    revokedAt: r.revoked_at,
  };
}

export class RegistrationKeysRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(k: { name: string; keyHash: string; prefix: string; expiresAt: Date | null; maxHosts: number | null }): Promise<RegistrationKey> {
    const r = await this.db
      .insertInto('registration_keys')
      .values({ name: k.name, key_hash: k.keyHash, key_prefix: k.prefix, expires_at: k.expiresAt, max_hosts: k.maxHosts, revoked_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRegistrationKey(r);
  }

  async list(): Promise<RegistrationKey[]> {
    const rows = await this.db.selectFrom('registration_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(toRegistrationKey);
  }

  async findById(id: string): Promise<RegistrationKey | undefined> {
    const r = await this.db.selectFrom('registration_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRegistrationKey(r);
  }

  /** Revokes once; returns the key (revoked now or before), undefined when absent. */
  async revoke(id: string, at: Date): Promise<RegistrationKey | undefined> {
    await this.db.updateTable('registration_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    return this.findById(id);
  }

  /** The key with this hash, its row locked until the transaction ends. */
  async lockByHash(keyHash: string): Promise<RegistrationKey | undefined> {
    const r = await this.db.selectFrom('registration_keys').selectAll().where('key_hash', '=', keyHash).forUpdate().executeTakeFirst();
    return r && toRegistrationKey(r);
  }

  async incrementRegistered(id: string): Promise<void> {
    await this.db
      .updateTable('registration_keys')
      .set((eb) => ({ hosts_registered: eb('hosts_registered', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }
}
