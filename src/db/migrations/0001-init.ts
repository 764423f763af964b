import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'viewer')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('registration_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('max_hosts', 'integer', (c) => c.check(sql`max_hosts > 0`))
    .addColumn('hosts_registered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('hosts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('machine_id', 'text', (c) => c.notNull())
    .addColumn('fqdn', 'text')
    .addColumn('arch', 'text')
    .addColumn('kernel_release', 'text')
    .addColumn('kernel_version', 'text')
    .addColumn('os_id', 'text')
    .addColumn('os_version_id', 'text')
    .addColumn('os_codename', 'text')
    .addColumn('os_name', 'text')
    .addColumn('os_pretty_name', 'text')
    .addColumn('registration_key_id', 'uuid', (c) => c.references('registration_keys.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_report_at', 'timestamptz')
    .addColumn('last_change_at', 'timestamptz')
    .addColumn('current_inventory_id', 'uuid')
    .addColumn('package_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unparsed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('package_set_sha256', 'text')
    .addUniqueConstraint('hosts_identity_key', ['machine_id', 'hostname'])
    .execute();
  await db.schema.createIndex('hosts_hostname_idx').on('hosts').column('hostname').execute();

  await db.schema
    .createTable('host_credentials')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('host_credentials_host_idx').on('host_credentials').column('host_id').execute();

  await db.schema
    .createTable('inventories')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('collected_at', 'timestamptz')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('agent', 'upload', 'vuls')`))
    .addColumn('agent_version', 'text')
    .addColumn('doc_sha256', 'text', (c) => c.notNull())
    .addColumn('os_id', 'text', (c) => c.notNull())
    .addColumn('os_version_id', 'text', (c) => c.notNull())
    .addColumn('kernel_release', 'text')
    .addColumn('package_count', 'integer', (c) => c.notNull())
    .addColumn('added_count', 'integer', (c) => c.notNull())
    .addColumn('removed_count', 'integer', (c) => c.notNull())
    .addColumn('changed_count', 'integer', (c) => c.notNull())
    .addColumn('unparsed_count', 'integer', (c) => c.notNull())
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('inventories_host_idx').on('inventories').columns(['host_id', 'received_at']).execute();

  await db.schema
    .createTable('host_packages')
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('manager', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('evr', 'text', (c) => c.notNull())
    .addColumn('epoch', 'text')
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text')
    .addColumn('source_name', 'text')
    .addColumn('source_version', 'text')
    .addColumn('vendor', 'text')
    .addColumn('modularity_label', 'text')
    .addColumn('unparsed_reason', 'text')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_packages_pkey', ['host_id', 'manager', 'name', 'arch', 'evr'])
    .execute();
  // Reverse index for matching: which hosts have package X (binary or source).
  await db.schema.createIndex('host_packages_name_idx').on('host_packages').columns(['name', 'host_id']).execute();
  await db.schema
    .createIndex('host_packages_source_idx')
    .on('host_packages')
    .columns(['source_name', 'host_id'])
    .execute();

  await db.schema
    .createTable('package_changes')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('inventory_id', 'uuid', (c) => c.notNull().references('inventories.id').onDelete('cascade'))
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('added', 'removed', 'changed')`))
    .addColumn('manager', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('old_evr', 'text')
    .addColumn('new_evr', 'text')
    .addColumn('source_name', 'text')
    .execute();
  await db.schema.createIndex('package_changes_host_idx').on('package_changes').columns(['host_id', 'id']).execute();
  await db.schema.createIndex('package_changes_inventory_idx').on('package_changes').column('inventory_id').execute();
}
