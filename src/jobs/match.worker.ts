/**
 * Runs matching jobs in the background of `mamori serve`: claims the oldest
 * job (SKIP LOCKED: several processes share the queue), runs it, and when the
 * queue is empty turns new feed key changes into a job, or queues the periodic
 * full reconciliation when it is due. A job that throws is retried (up to 3
 * attempts) and then left `failed` with its error.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { FollowUp, MatchJob, MatchJobsRepository } from '../db/repositories/match-jobs.repository.js';
import type { MatchService } from '../matching/match.service.js';

export interface MatchWorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Time between full reconciliations; 0: never queued by this worker. */
  reconcileEveryMs?: number;
  /** Hosts per full-reconciliation job (default RECONCILE_SLICE). */
  reconcileSlice?: number;
}

export class MatchWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly reconcileEveryMs: number;
  private readonly reconcileSlice: number | undefined;

  constructor(
    private readonly jobs: Pick<MatchJobsRepository, 'claim' | 'complete' | 'fail' | 'enqueueFeedChanges' | 'enqueueReconciliationIfDue'>,
    private readonly matching: Pick<MatchService, 'matchInventory' | 'matchFeedChanges' | 'reconcileSlice'>,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'error' | 'warn'>,
    opts: MatchWorkerOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 2000;
    this.leaseMs = opts.leaseMs ?? 10 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.reconcileEveryMs = opts.reconcileEveryMs ?? 0;
    this.reconcileSlice = opts.reconcileSlice;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for work now (a report or import just committed some). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Runs jobs until the queue is empty (tests and `mamori match --drain`). Returns how many ran. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      if (await this.runOne()) n++;
      else if (!(await this.jobs.enqueueFeedChanges())) return n;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = (await this.runOne()) || (await this.jobs.enqueueFeedChanges()) || (this.reconcileEveryMs > 0 && (await this.jobs.enqueueReconciliationIfDue(this.reconcileEveryMs)));
      } catch (e) {
        this.log.error({ err: e }, 'match worker: could not claim work');
      }
      if (!worked) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.pollMs);
          this.wakeUp = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  private async runOne(): Promise<boolean> {
    const job = await this.jobs.claim(this.id, this.leaseMs);
    if (job === undefined) return false;
    try {
      const followUp = await this.execute(job);
      await this.jobs.complete(job.id, this.id, followUp);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error({ err: e, job: job.id, kind: job.kind }, 'match job failed');
      await this.jobs.fail(job.id, this.id, message, this.maxAttempts);
    }
    return true;
  }

  private async execute(job: MatchJob): Promise<FollowUp | undefined> {
    switch (job.kind) {
      case 'host':
        await this.matching.matchInventory(job.hostId, job.inventoryId, job.full);
        return undefined;
      case 'keys': {
        const r = await this.matching.matchFeedChanges(job.fromId, job.toId);
        this.log.info({ hosts: r.length }, 're-matched hosts after a feed update');
        return undefined;
      }
      case 'full': {
        const { summaries, next } = await this.matching.reconcileSlice(job.after, this.reconcileSlice);
        const changed = summaries.filter((s) => s.opened + s.resolved + s.reopened + s.updated > 0).length;
        this.log.info({ hosts: summaries.length, changed, after: job.after }, next === null ? 'full reconciliation done' : 'full reconciliation: slice done');
        return next === null ? undefined : { kind: 'full', after: next };
      }
    }
  }
}
