/** Kysely table types; the single source of truth is migrations/. */
import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  role: 'admin' | 'viewer';
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface RegistrationKeysTable {
  id: Generated<string>;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_at: CreatedAt;
  expires_at: Timestamp | null;
  max_hosts: number | null;
  hosts_registered: Generated<number>;
  revoked_at: Timestamp | null;
}

export interface HostsTable {
  id: Generated<string>;
  hostname: string;
  machine_id: string;
  fqdn: string | null;
  arch: string | null;
  kernel_release: string | null;
  kernel_version: string | null;
  os_id: string | null;
  os_version_id: string | null;
  os_codename: string | null;
  os_name: string | null;
  os_pretty_name: string | null;
  registration_key_id: string | null;
  created_at: CreatedAt;
  last_report_at: Timestamp | null;
  last_change_at: Timestamp | null;
  current_inventory_id: string | null;
  package_count: Generated<number>;
  unparsed_count: Generated<number>;
  /** Fingerprint of the stored package set: an identical report skips reading and diffing it. */
  package_set_sha256: string | null;
  /** Advisory data the host is matched against (CentOS 7 → rhel 7); null until matched or when unsupported. */
  match_distro: string | null;
  match_release: string | null;
  match_status: Generated<'pending' | 'ok' | 'unsupported'>;
  match_note: string | null;
  end_of_life: string | null;
  reboot_required: Generated<boolean>;
  last_matched_at: Timestamp | null;
  finding_counts: ColumnType<Record<string, number>, string | undefined, string>;
}

export interface HostCredentialsTable {
  id: Generated<string>;
  host_id: string;
  token_hash: string;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface InventoriesTable {
  id: Generated<string>;
  host_id: string;
  received_at: Timestamp;
  collected_at: Timestamp | null;
  source: 'agent' | 'upload' | 'vuls';
  agent_version: string | null;
  doc_sha256: string;
  os_id: string;
  os_version_id: string;
  kernel_release: string | null;
  package_count: number;
  added_count: number;
  removed_count: number;
  changed_count: number;
  unparsed_count: number;
  warnings: Json<string[]>;
}

export interface HostPackagesTable {
  host_id: string;
  manager: 'rpm' | 'dpkg' | 'apk';
  name: string;
  arch: string;
  evr: string;
  epoch: string | null;
  version: string;
  release: string | null;
  source_name: string | null;
  source_version: string | null;
  vendor: string | null;
  modularity_label: string | null;
  unparsed_reason: string | null;
  first_seen_at: Timestamp;
}

export type PackageChangeKind = 'added' | 'removed' | 'changed';

export interface PackageChangesTable {
  id: Generated<string>;
  inventory_id: string;
  host_id: string;
  kind: PackageChangeKind;
  manager: 'rpm' | 'dpkg' | 'apk';
  name: string;
  arch: string;
  old_evr: string | null;
  new_evr: string | null;
  source_name: string | null;
}

// Vulnerability knowledge base (migration 0002-feeds) ------------------------------

export interface AdvisoriesTable {
  source: string;
  id: string;
  cves: string[];
  related_ids: string[];
  title: string | null;
  description: string | null;
  severity: string;
  severity_vendor: string | null;
  cvss: Json<unknown[]>;
  published: string | null;
  modified: string | null;
  withdrawn: string | null;
  references: Json<unknown[]>;
  content_hash: string;
  rows_hash: string | null;
}

export interface AffectedPackagesTable {
  source: string;
  advisory_id: string;
  row_hash: string;
  distro: string;
  release: string;
  channel: string | null;
  package_name: string;
  binary_names: string[] | null;
  module_stream: string | null;
  arch: string | null;
  scheme: 'rpm' | 'dpkg' | 'apk';
  ranges: Json<unknown[]>;
  versions: string[];
  status: string;
  severity: string | null;
  severity_vendor: string | null;
  note: string | null;
}

export interface CveEnrichmentsTable {
  cve: string;
  kind: 'nvd' | 'kev' | 'epss';
  data: Json<unknown>;
  updated_at: Timestamp;
}

export interface FeedSourcesTable {
  source_id: string;
  last_attempt_at: Timestamp | null;
  last_success_at: Timestamp | null;
  last_error: string | null;
  validators: Json<Record<string, { etag: string | null; lastModified: string | null }>>;
  claimed_until: Timestamp | null;
  claimed_by: string | null;
  advisories: Generated<number>;
  affected: Generated<number>;
  enrichments: Generated<number>;
  problems: Generated<number>;
  newest_record_at: Timestamp | null;
  last_import_id: string | null;
}

export interface FeedImportsTable {
  id: Generated<string>;
  source_id: string;
  origin: 'files' | 'bundle';
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: 'ok' | 'failed';
  files: Generated<number>;
  advisories: Generated<number>;
  affected: Generated<number>;
  enrichments: Generated<number>;
  changed_keys: Generated<number>;
  problem_count: Generated<number>;
  problems: Json<{ record: string; message: string; file?: string }[]>;
  error: string | null;
}

export interface FeedKeyHashesTable {
  source_id: string;
  distro: string;
  release: string;
  package_name: string;
  hash: string;
}

export interface FeedKeyChangesTable {
  id: Generated<string>;
  source_id: string;
  distro: string;
  release: string;
  package_name: string;
  changed_at: Timestamp;
  import_id: string;
}

export interface FindingsTable {
  id: Generated<string>;
  host_id: string;
  vulnerability: string;
  package_name: string;
  arch: string;
  state: 'open' | 'resolved';
  source_package: string;
  installed_version: string;
  fixed_version: string | null;
  fix_state: 'fixed' | 'unfixed' | 'will_not_fix' | 'fix_deferred';
  severity: string;
  severity_label: string | null;
  advisories: string[];
  sources: string[];
  explanation: Json<unknown[]>;
  remediation: string | null;
  first_seen_at: Timestamp;
  /** What opened it (its opening is not a `finding_events` row): `inventory <id>`, `feed update`, `reconciliation`. */
  opened_cause: string;
  last_changed_at: Timestamp;
  resolved_at: Timestamp | null;
  resolution: 'fixed' | 'removed' | 'not_affected' | null;
}

export interface FindingEventsTable {
  id: Generated<string>;
  finding_id: string;
  at: Timestamp;
  /** Everything after the opening, which the finding row itself records. */
  kind: 'updated' | 'resolved' | 'reopened';
  from_version: string | null;
  to_version: string | null;
  resolution: string | null;
  /** What triggered it: `inventory <id>`, `feed update`, `reconciliation`. */
  cause: string;
}

export interface MatchJobsTable {
  id: Generated<string>;
  kind: 'host' | 'keys' | 'full';
  host_id: string | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  state: Generated<'pending' | 'running' | 'done' | 'failed'>;
  attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
  error: string | null;
}

export interface MatchCursorsTable {
  name: string;
  last_id: string;
}

export interface MatchScheduleTable {
  name: string;
  last_queued_at: Timestamp;
}

export interface DB {
  findings: FindingsTable;
  finding_events: FindingEventsTable;
  match_jobs: MatchJobsTable;
  match_cursors: MatchCursorsTable;
  match_schedule: MatchScheduleTable;
  users: UsersTable;
  sessions: SessionsTable;
  registration_keys: RegistrationKeysTable;
  hosts: HostsTable;
  host_credentials: HostCredentialsTable;
  inventories: InventoriesTable;
  host_packages: HostPackagesTable;
  package_changes: PackageChangesTable;
  advisories: AdvisoriesTable;
  affected_packages: AffectedPackagesTable;
  cve_enrichments: CveEnrichmentsTable;
  feed_sources: FeedSourcesTable;
  feed_imports: FeedImportsTable;
  feed_key_hashes: FeedKeyHashesTable;
  feed_key_changes: FeedKeyChangesTable;
}

export type HostRow = Selectable<HostsTable>;
export type HostPackageRow = Selectable<HostPackagesTable>;
export type RegistrationKeyRow = Selectable<RegistrationKeysTable>;
