import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';
import { FeedsRepository } from './feeds.repository.js';
import { FindingsRepository } from './findings.repository.js';
import { HostsRepository } from './hosts.repository.js';
import { MatchJobsRepository } from './match-jobs.repository.js';
import { MatchingRepository } from './matching.repository.js';
import { RegistrationKeysRepository } from './registration-keys.repository.js';
import { UsersRepository } from './users.repository.js';

export interface Repositories {
  users: UsersRepository;
  registrationKeys: RegistrationKeysRepository;
  hosts: HostsRepository;
  feeds: FeedsRepository;
  matching: MatchingRepository;
  matchJobs: MatchJobsRepository;
  findings: FindingsRepository;
  /** Runs `fn` in one database transaction with repositories bound to it. */
  transaction<T>(fn: (repos: Omit<Repositories, 'transaction'>) => Promise<T>): Promise<T>;
}

function bind(db: Kysely<DB>): Omit<Repositories, 'transaction'> {
  return {
    users: new UsersRepository(db),
    registrationKeys: new RegistrationKeysRepository(db),
    hosts: new HostsRepository(db),
    feeds: new FeedsRepository(db),
    matching: new MatchingRepository(db),
    matchJobs: new MatchJobsRepository(db),
    findings: new FindingsRepository(db),
  };
}

export function createRepositories(db: Kysely<DB>): Repositories {
  return {
    ...bind(db),
    transaction: (fn) => db.transaction().execute((tx) => fn(bind(tx))),
  };
}
