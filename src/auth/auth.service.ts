import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { UsersRepository } from '../db/repositories/users.repository.js';
import { hashPassword, hashToken, newToken, randomPassword, verifyPassword } from './secrets.js';

export interface Principal {
  kind: 'user';
  userId: string;
  username: string;
  role: 'admin' | 'viewer';
}

const SESSION_TTL_MS = 12 * 3600_000;

export class AuthService {
  constructor(
    private readonly users: Pick<UsersRepository, 'createIfAbsent' | 'findByUsername' | 'createSession' | 'findSessionUser' | 'deleteSession'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates the `admin` user on first start. Returns the password when it was
   * generated here (to be printed once), null when the user already existed
   * or the password came from the environment.
   */
  async ensureAdmin(passwordFromEnv: string | undefined): Promise<{ created: boolean; generatedPassword: string | null }> {
    if (passwordFromEnv !== undefined && passwordFromEnv.length < 12) {
      throw new AppError('ERR_VALIDATION', 'MAMORI_ADMIN_PASSWORD must be at least 12 characters');
    }
    const password = passwordFromEnv ?? randomPassword();
    const created = await this.users.createIfAbsent({ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' });
    return { created, generatedPassword: created && passwordFromEnv === undefined ? password : null };
  }

  async login(username: string, password: string): Promise<{ token: string; expiresAt: Date }> {
    const user = await this.users.findByUsername(username);
    // Verify against a dummy hash when the user is unknown so timing does not reveal user names.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (user === undefined || !ok) throw new AppError('ERR_UNAUTHENTICATED', 'invalid username or password');
    const token = newToken('mst');
    const expiresAt = new Date(this.clock.now().getTime() + SESSION_TTL_MS);
    await this.users.createSession(user.id, hashToken(token), expiresAt);
    return { token, expiresAt };
  }

  async authenticate(token: string): Promise<Principal> {
    const user = await this.users.findSessionUser(hashToken(token), this.clock.now());
    if (user === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'session token is invalid or expired');
    return { kind: 'user', userId: user.id, username: user.username, role: user.role };
  }

  async logout(token: string): Promise<void> {
    await this.users.deleteSession(hashToken(token));
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
