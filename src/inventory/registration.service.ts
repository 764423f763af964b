/**
 * Host-registration keys and the per-host credentials agents get for them.
 * A key registers hosts until revoked, expired or used up; each host gets its
 * own credential, which can only write that host's inventory.
 */
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { hashToken, newToken } from '../auth/secrets.js';
import type { Repositories } from '../db/repositories/index.js';
import type { RegistrationKey } from '../db/repositories/registration-keys.repository.js';

export interface NewKeyInput {
  name: string;
  expiresAt: Date | null;
  maxHosts: number | null;
}

export interface RegisterInput {
  key: string;
  hostname: string;
  machineId: string;
  fqdn: string | null;
}

export class RegistrationService {
  constructor(
    private readonly repos: Pick<Repositories, 'registrationKeys' | 'hosts' | 'transaction'>,
    private readonly clock: Clock,
  ) {}

  async createKey(input: NewKeyInput): Promise<{ key: string; record: RegistrationKey }> {
    const name = input.name.trim();
    if (name === '') throw new AppError('ERR_VALIDATION', 'key name must not be empty');
    if (input.expiresAt !== null && input.expiresAt.getTime() <= this.clock.now().getTime()) {
      throw new AppError('ERR_VALIDATION', 'expiry date must be in the future');
    }
    if (input.maxHosts !== null && (!Number.isInteger(input.maxHosts) || input.maxHosts < 1)) {
      throw new AppError('ERR_VALIDATION', 'max hosts must be a positive integer');
    }
    const key = newToken('mrk');
    const record = await this.repos.registrationKeys.insert({
      name,
      keyHash: hashToken(key),
      prefix: key.slice(0, 10),
      expiresAt: input.expiresAt,
      maxHosts: input.maxHosts,
    });
    return { key, record };
  }

  listKeys(): Promise<RegistrationKey[]> {
    return this.repos.registrationKeys.list();
  }

  async revokeKey(id: string): Promise<RegistrationKey> {
    const k = await this.repos.registrationKeys.revoke(id, this.clock.now());
    if (k === undefined) throw new AppError('ERR_NOT_FOUND', `no registration key with id ${id}`);
    return k;
  }

  /**
   * Registers (or re-registers) a host. The same machine id and hostname
   * always map to the same host; re-registering rotates its credential.
   */
  async registerHost(input: RegisterInput): Promise<{ hostId: string; credential: string; created: boolean }> {
    const now = this.clock.now();
    const credential = newToken('mhc');
    return this.repos.transaction(async (tx) => {
      const key = await tx.registrationKeys.lockByHash(hashToken(input.key));
      if (key === undefined || key.revokedAt !== null) {
        throw new AppError('ERR_REGISTRATION_KEY_INVALID', 'registration key is unknown or revoked');
      }
      if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) {
        throw new AppError('ERR_REGISTRATION_KEY_INVALID', 'registration key has expired');
      }
      const identity = { machineId: input.machineId, hostname: input.hostname };
      let host = await tx.hosts.findByIdentity(identity);
      const created = host === undefined;
      if (host === undefined) {
        if (key.maxHosts !== null && key.hostsRegistered >= key.maxHosts) {
          throw new AppError('ERR_REGISTRATION_KEY_EXHAUSTED', `registration key "${key.name}" has already registered ${key.maxHosts} host(s)`);
        }
        host = await tx.hosts.insert(identity, { fqdn: input.fqdn, registrationKeyId: key.id });
        await tx.registrationKeys.incrementRegistered(key.id);
      }
      await tx.hosts.replaceCredential(host.id, hashToken(credential), now);
      return { hostId: host.id, credential, created };
    });
  }

  async authenticateHost(credential: string): Promise<string> {
    const hostId = await this.repos.hosts.findHostIdByCredential(hashToken(credential));
    if (hostId === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'host credential is unknown or revoked');
    return hostId;
  }
}
