/**
 * Findings to read back: hosts written through the hosts repository (their os-release
 * columns set as a report would), findings and their history written through the
 * matching repository's `applyChanges` (as the match service does), host match state
 * through `saveHostMatch`, and the knowledge base imported from the real shared feed
 * files through the feed importer.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Repositories } from '../../src/db/repositories/index.js';
import type { DB } from '../../src/db/schema.js';
import type { Severity } from '../../src/domain/advisory.js';
import { FeedImportService } from '../../src/feeds/import/feed-import.service.js';
import type { Clock } from '../../src/clock.js';
import type { Finding } from '../../src/matching/types.js';
import { SHARED_DATA } from '../helpers/shared-data.js';

type Repos = Repositories;

export const FEED_FILES = {
  'osv:AlmaLinux': ['ALSA-2023_5184.json', 'ALSA-2023_5201.json', 'ALSA-2023_5309.json'].map((f) => join(SHARED_DATA, 'osv/almalinux/almalinux8', f)),
  kev: [join(SHARED_DATA, 'kev/known_exploited_vulnerabilities.json')],
  nvd: ['CVE-2022-34668.json', 'CVE-2016-1585.json'].map((f) => join(SHARED_DATA, 'nvd/cve-records', f)),
  epss: [join(SHARED_DATA, 'epss/epss_scores-claircore-sample.csv')],
} as const;

/** Imports the feed files above; throws when one source fails. */
export async function importFeeds(repos: Repos, clock: Clock): Promise<void> {
  const feeds = new FeedImportService(repos, clock);
  for (const [source, files] of Object.entries(FEED_FILES)) await feeds.importSource(source, files.map((path) => ({ path })));
}

export interface OsColumns {
  id: string;
  versionId: string;
  prettyName: string;
  codename?: string;
}

/** A host as registration creates it, with the os-release columns a report sets. */
export async function addHost(repos: Repos, db: Kysely<DB>, hostname: string, os: OsColumns | null): Promise<string> {
  const h = await repos.hosts.insert({ machineId: randomBytes(16).toString('hex'), hostname }, { fqdn: `${hostname}.example.jp`, registrationKeyId: null });
  if (os !== null) {
    await db
      .updateTable('hosts')
      .set({ os_id: os.id, os_version_id: os.versionId, os_codename: os.codename ?? null, os_name: os.prettyName, os_pretty_name: os.prettyName, kernel_release: '4.18.0-477.10.1.el8_8.x86_64' })
      .where('id', '=', h.id)
      .execute();
  }
  return h.id;
}

export function finding(f: Pick<Finding, 'vulnerability' | 'package' | 'installedVersion'> & Partial<Finding>): Finding {
  const fixedVersion = f.fixedVersion ?? null;
  const severity: Severity = f.severity ?? 'medium';
  return {
    advisories: [],
    arch: 'x86_64',
    sourcePackage: f.package,
    fixedVersion,
    fixState: fixedVersion === null ? 'unfixed' : 'fixed',
    severityLabel: null,
    remediation: null,
    sources: ['osv:AlmaLinux'],
    explanation: [
      {
        source: f.sources?.[0] ?? 'osv:AlmaLinux',
        advisoryId: f.advisories?.[0] ?? f.vulnerability,
        status: fixedVersion === null ? 'affected' : 'fixed',
        comparison: fixedVersion === null ? 'no fix' : `${f.installedVersion} < ${fixedVersion} (rpm)`,
      },
    ],
    ...f,
    severity,
  };
}
