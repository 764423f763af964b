import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: 'admin' | 'viewer';
}

export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Inserts unless a user with that name exists; returns whether it inserted. */
  async createIfAbsent(user: Omit<UserRecord, 'id'>): Promise<boolean> {
    const r = await this.db
      .insertInto('users')
      .values({ username: user.username, password_hash: user.passwordHash, role: user.role })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('id')
      .executeTakeFirst();
    return r !== undefined;
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash', 'role'])
      .where('username', '=', username)
      .executeTakeFirst();
    return r && { id: r.id, username: r.username, passwordHash: r.password_hash, role: r.role };
  }

  async createSession(userId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.insertInto('sessions').values({ user_id: userId, token_hash: tokenHash, expires_at: expiresAt }).execute();
  }

  async findSessionUser(tokenHash: string, now: Date): Promise<Omit<UserRecord, 'passwordHash'> | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.username', 'users.role'])
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
    return r;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }
}
