/**
 * `FeedStateStore` (sync-types.ts) over the database: per-source validators, last
 * success, and a claim with a lease so that one sync of a source runs at a time across
 * processes, and a crashed process cannot hold a source longer than its lease.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FeedsRepository } from '../../db/repositories/feeds.repository.js';
import type { FeedStateStore, SourceState, UrlValidators } from '../sync-types.js';

/** Long enough for the slowest sync (NVD's full download); a crashed holder blocks no longer. */
export const DEFAULT_CLAIM_LEASE_MS = 60 * 60 * 1000;

export class DbFeedStateStore implements FeedStateStore {
  /** Identifies this process's claims (`host:pid:random`). */
  readonly holder: string;

  constructor(
    private readonly feeds: Pick<FeedsRepository, 'findSource' | 'claim' | 'finishSync'>,
    private readonly leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
  ) {
    this.holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  async get(sourceId: string): Promise<SourceState> {
    const s = await this.feeds.findSource(sourceId);
    return { validators: s?.validators ?? {}, lastSuccessAt: s?.lastSuccessAt ?? null };
  }

  /** Atomic: one UPDATE … WHERE claimed_until IS NULL OR claimed_until <= now. */
  claim(sourceId: string, now: Date): Promise<boolean> {
    return this.feeds.claim(sourceId, this.holder, now, new Date(now.getTime() + this.leaseMs));
  }

  async finish(
    sourceId: string,
    outcome:
      | { ok: true; at: Date; validators: Record<string, UrlValidators>; notModified: boolean }
      | { ok: false; at: Date; error: string },
  ): Promise<void> {
    await this.feeds.finishSync(
      sourceId,
      this.holder,
      outcome.ok ? { ok: true, at: outcome.at, validators: outcome.validators } : { ok: false, at: outcome.at, error: outcome.error },
    );
  }
}
