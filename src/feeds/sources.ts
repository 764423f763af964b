/**
 * The catalog of feed sources: where each one is published upstream, in what
 * format, and which of them (and which of their files) the fleet needs.
 *
 * Sync only what the fleet runs plus configured extras: the plan takes the
 * fleet's (os-release `ID`, `VERSION_ID`) pairs and `MAMORI_FEED_EXTRA`
 * (`almalinux:9,debian:12`) and yields the distribution sources those need;
 * NVD, KEV and EPSS are always in it. Pure: no network, file system or clock.
 *
 * URLs: every source has a base URL and paths relative to it. The base is, in
 * order of precedence, a per-source override (`MAMORI_FEED_BASE_<ID>`, e.g.
 * `MAMORI_FEED_BASE_OSV_ROCKY_LINUX`), `<MAMORI_FEED_MIRROR>/<mirror path>`
 * (e.g. `http://mirror.local/mamori/osv/AlmaLinux/all.zip`), or upstream.
 */
import { AppError } from '../errors.js';

/** One (os-release `ID`, `VERSION_ID`) pair, as hosts report it or as configured. */
export interface FleetRelease {
  distro: string;
  release: string;
}

export type SourceFormat =
  | 'osv-zip'
  | 'debian-tracker-json'
  | 'alpine-secdb-json'
  | 'redhat-oval-xml-bz2'
  | 'nvd-cve-api-2.0'
  | 'kev-json'
  | 'epss-csv-gz';

export interface CatalogEntry {
  /** The source id the import registry knows (`osv:AlmaLinux`, `nvd`). */
  id: string;
  title: string;
  format: SourceFormat;
  /** Upstream base URL, ending in `/`; the source's paths are relative to it. */
  defaultBase: string;
  /** Folder of this source under `MAMORI_FEED_MIRROR`, ending in `/`. */
  mirrorPath: string;
  /** `always`, or only when a host (or an extra) runs a distribution that needs it. */
  scope: 'always' | 'fleet';
  /** Size cap of one download of this source. */
  maxBytes: number;
  /** Ask for gzip transfer encoding (large JSON documents). */
  acceptGzip: boolean;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const OSV_BASE = 'https://osv-vulnerabilities.storage.googleapis.com/';

function osv(family: string): CatalogEntry {
  const seg = encodeURIComponent(family);
  return {
    id: `osv:${family}`,
    title: `OSV ${family} advisories`,
    format: 'osv-zip',
    defaultBase: `${OSV_BASE}${seg}/`,
    mirrorPath: `osv/${seg}/`,
    scope: 'fleet',
    maxBytes: 2 * GiB,
    acceptGzip: false,
  };
}

export const NVD_PAGE_PATH = '2.0';

export const CATALOG: readonly CatalogEntry[] = [
  osv('AlmaLinux'),
  osv('Rocky Linux'),
  osv('Red Hat'),
  osv('Debian'),
  osv('Ubuntu'),
  osv('Alpine'),
  osv('SUSE'),
  osv('openSUSE'),
  {
    id: 'debian-tracker',
    title: 'Debian security tracker (JSON)',
    format: 'debian-tracker-json',
    defaultBase: 'https://security-tracker.debian.org/tracker/data/',
    mirrorPath: 'debian-tracker/',
    scope: 'fleet',
    maxBytes: 1 * GiB,
    acceptGzip: true,
  },
  {
    id: 'alpine-secdb',
    title: 'Alpine secdb',
    format: 'alpine-secdb-json',
    defaultBase: 'https://secdb.alpinelinux.org/',
    mirrorPath: 'alpine-secdb/',
    scope: 'fleet',
    maxBytes: 128 * MiB,
    acceptGzip: true,
  },
  {
    id: 'redhat-oval',
    title: 'Red Hat OVAL v2',
    format: 'redhat-oval-xml-bz2',
    defaultBase: 'https://security.access.redhat.com/data/oval/v2/',
    mirrorPath: 'redhat-oval/',
    scope: 'fleet',
    maxBytes: 512 * MiB,
    acceptGzip: false,
  },
  {
    id: 'nvd',
    title: 'NVD CVE API 2.0',
    format: 'nvd-cve-api-2.0',
    defaultBase: 'https://services.nvd.nist.gov/rest/json/cves/',
    mirrorPath: 'nvd/',
    scope: 'always',
    maxBytes: 512 * MiB,
    acceptGzip: true,
  },
  {
    id: 'kev',
    title: 'CISA Known Exploited Vulnerabilities',
    format: 'kev-json',
    defaultBase: 'https://www.cisa.gov/sites/default/files/feeds/',
    mirrorPath: 'kev/',
    scope: 'always',
    maxBytes: 128 * MiB,
    acceptGzip: true,
  },
  {
    id: 'epss',
    title: 'FIRST EPSS scores',
    format: 'epss-csv-gz',
    // 302-redirects to the dated epss_scores-YYYY-MM-DD.csv.gz
    defaultBase: 'https://epss.empiricalsecurity.com/',
    mirrorPath: 'epss/',
    scope: 'always',
    maxBytes: 512 * MiB,
    acceptGzip: false,
  },
];

export const SOURCE_IDS: readonly string[] = CATALOG.map((c) => c.id);

export function catalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((c) => c.id === id);
}

/** Red Hat publishes OVAL v2 streams `RHEL<major>/rhel-<major>.oval.xml.bz2` for these majors. */
export const REDHAT_OVAL_MAJORS: readonly string[] = ['6', '7', '8', '9'];

/** `MAMORI_FEED_BASE_<ID>`: the id upper-cased, other characters as `_` (`osv:Rocky Linux` → `OSV_ROCKY_LINUX`). */
export function baseOverrideEnvName(id: string): string {
  return `MAMORI_FEED_BASE_${id.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** `almalinux:9,debian:12 alpine:3.20` → releases; throws ERR_VALIDATION on an entry without `distro:release`. */
export function parseExtraReleases(text: string | undefined): FleetRelease[] {
  if (text === undefined) return [];
  const out: FleetRelease[] = [];
  for (const raw of text.split(/[,\s]+/)) {
    if (raw === '') continue;
    const m = /^([a-z0-9._-]+):([A-Za-z0-9._-]+)$/.exec(raw.trim());
    if (!m) throw new AppError('ERR_VALIDATION', `MAMORI_FEED_EXTRA entry "${raw}" is not distro:release (like almalinux:9 or debian:12)`);
    out.push({ distro: m[1]!.toLowerCase(), release: m[2]! });
  }
  return out;
}

/** A source, and for the per-release ones an item (`v3.19` for Alpine, `8` for RHEL OVAL). */
interface Need {
  source: string;
  item: string | null;
}

function major(release: string): string | null {
  const m = /^(\d+)/.exec(release.trim());
  return m ? m[1]! : null;
}

/** `3.19.1` → `v3.19`; `3.21.0_alpha20240807` (edge builds) and `edge` → `edge`. */
function alpineBranch(release: string): string | null {
  const r = release.trim();
  if (r === 'edge' || /_(alpha|beta|rc|git)/.test(r)) return 'edge';
  const m = /^v?(\d+)\.(\d+)/.exec(r);
  return m ? `v${m[1]!}.${m[2]!}` : null;
}

const SUSE_IDS = new Set(['sles', 'sled', 'sles_sap', 'sle_hpc', 'sle-micro']);
const OPENSUSE_IDS = new Set(['opensuse', 'opensuse-leap', 'opensuse-leap-micro', 'opensuse-tumbleweed']);

/** The sources one release needs; null when no source covers that distribution. */
function needsOf(r: FleetRelease): Need[] | null {
  const distro = r.distro.trim().toLowerCase();
  switch (distro) {
    case 'almalinux':
      return [{ source: 'osv:AlmaLinux', item: null }];
    case 'rocky':
      return [{ source: 'osv:Rocky Linux', item: null }];
    case 'rhel':
    case 'centos': {
      // RHEL data also describe CentOS (same builds); matching decides what to use.
      const m = major(r.release);
      const needs: Need[] = [{ source: 'osv:Red Hat', item: null }];
      if (m !== null && REDHAT_OVAL_MAJORS.includes(m)) needs.push({ source: 'redhat-oval', item: m });
      return needs;
    }
    case 'debian':
      return [
        { source: 'osv:Debian', item: null },
        { source: 'debian-tracker', item: null },
      ];
    case 'ubuntu':
      return [{ source: 'osv:Ubuntu', item: null }];
    case 'alpine': {
      const b = alpineBranch(r.release);
      const needs: Need[] = [{ source: 'osv:Alpine', item: null }];
      if (b !== null) needs.push({ source: 'alpine-secdb', item: b });
      return needs;
    }
    default:
      if (SUSE_IDS.has(distro)) return [{ source: 'osv:SUSE', item: null }];
      if (OPENSUSE_IDS.has(distro)) return [{ source: 'osv:openSUSE', item: null }];
      return null;
  }
}

export interface PlannedDownload {
  url: string;
  /** File name in the staging directory. */
  file: string;
  maxBytes: number;
  acceptGzip: boolean;
}

export type PlannedFetch =
  | { kind: 'files'; downloads: PlannedDownload[] }
  | {
      kind: 'nvd-api';
      /** The CVE API endpoint; pages add `startIndex`, `resultsPerPage` and the lastMod window. */
      endpoint: string;
      /** Sent as the `apiKey` header, only to NVD itself or an explicit override (never to a generic mirror). */
      apiKey: string | null;
      maxBytes: number;
    };

export interface PlannedSource {
  id: string;
  title: string;
  format: SourceFormat;
  scope: 'always' | 'fleet';
  /** Why it is synced: `always`, or the releases needing it (`almalinux 9`, `debian 12 (extra)`). */
  neededBy: string[];
  /** Where its URLs come from. */
  origin: 'upstream' | 'mirror' | 'override';
  base: string;
  fetch: PlannedFetch;
}

export interface SourcePlan {
  sources: PlannedSource[];
  /** Things the plan could not cover (a distribution without a feed, an unknown release). */
  notes: string[];
}

export interface PlanOptions {
  extras?: readonly FleetRelease[];
  /** `MAMORI_FEED_MIRROR`: replaces every upstream base with `<mirror>/<mirror path>`. */
  mirror?: string | null;
  /** Per-source base URLs, by source id. */
  baseOverrides?: Readonly<Record<string, string>>;
  nvdApiKey?: string | null;
  /** Caps every download at this many bytes instead of the per-source default. */
  maxBytes?: number | null;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

function resolveBase(entry: CatalogEntry, opts: PlanOptions): { base: string; origin: PlannedSource['origin'] } {
  const override = opts.baseOverrides?.[entry.id];
  if (override !== undefined && override !== '') return { base: withSlash(override), origin: 'override' };
  if (opts.mirror !== undefined && opts.mirror !== null && opts.mirror !== '') {
    return { base: new URL(entry.mirrorPath, withSlash(opts.mirror)).href, origin: 'mirror' };
  }
  return { base: entry.defaultBase, origin: 'upstream' };
}

function urlIn(base: string, path: string): string {
  return new URL(path, base).href;
}

function downloadsOf(entry: CatalogEntry, base: string, items: readonly string[], maxBytes: number): PlannedDownload[] {
  const d = (path: string, file: string): PlannedDownload => ({
    url: urlIn(base, path),
    file,
    maxBytes,
    acceptGzip: entry.acceptGzip,
  });
  switch (entry.format) {
    case 'osv-zip':
      return [d('all.zip', 'all.zip')];
    case 'debian-tracker-json':
      return [d('json', 'debian-tracker.json')];
    case 'alpine-secdb-json':
      return items.flatMap((b) => [d(`${b}/main.json`, `${b}-main.json`), d(`${b}/community.json`, `${b}-community.json`)]);
    case 'redhat-oval-xml-bz2':
      return items.map((m) => d(`RHEL${m}/rhel-${m}.oval.xml.bz2`, `rhel-${m}.oval.xml.bz2`));
    case 'kev-json':
      return [d('known_exploited_vulnerabilities.json', 'known_exploited_vulnerabilities.json')];
    case 'epss-csv-gz':
      return [d('epss_scores-current.csv.gz', 'epss_scores-current.csv.gz')];
    case 'nvd-cve-api-2.0':
      return [];
  }
}

function compareItems(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** What to sync for this fleet: the sources (in catalog order) with their URLs. */
export function planSources(fleet: readonly FleetRelease[], opts: PlanOptions = {}): SourcePlan {
  const notes: string[] = [];
  const neededBy = new Map<string, Set<string>>();
  const items = new Map<string, Set<string>>();
  const consider = (r: FleetRelease, extra: boolean): void => {
    const label = `${r.distro} ${r.release}${extra ? ' (extra)' : ''}`.trim();
    const needs = needsOf(r);
    if (needs === null) {
      notes.push(`no feed source covers ${label}`);
      return;
    }
    for (const n of needs) {
      const set = neededBy.get(n.source) ?? new Set<string>();
      set.add(label);
      neededBy.set(n.source, set);
      if (n.item !== null) {
        const its = items.get(n.source) ?? new Set<string>();
        its.add(n.item);
        items.set(n.source, its);
      }
    }
    const d = r.distro.trim().toLowerCase();
    if ((d === 'rhel' || d === 'centos') && !REDHAT_OVAL_MAJORS.includes(major(r.release) ?? '')) {
      notes.push(`Red Hat publishes no OVAL v2 stream for ${label}; only OSV Red Hat data cover it`);
    }
    if (d === 'alpine' && alpineBranch(r.release) === null) notes.push(`cannot tell the Alpine branch of ${label}; secdb not synced for it`);
  };
  for (const r of fleet) if (r.distro.trim() !== '') consider(r, false);
  for (const r of opts.extras ?? []) consider(r, true);

  const sources: PlannedSource[] = [];
  for (const entry of CATALOG) {
    let by: string[];
    if (entry.scope === 'always') by = ['always'];
    else {
      const set = neededBy.get(entry.id);
      if (set === undefined) continue;
      by = [...set].sort(compareItems);
    }
    const { base, origin } = resolveBase(entry, opts);
    const maxBytes = opts.maxBytes ?? entry.maxBytes;
    let fetch: PlannedFetch;
    if (entry.format === 'nvd-cve-api-2.0') {
      const key = opts.nvdApiKey ?? null;
      fetch = { kind: 'nvd-api', endpoint: urlIn(base, NVD_PAGE_PATH), apiKey: origin === 'mirror' || key === '' ? null : key, maxBytes };
    } else {
      const its = [...(items.get(entry.id) ?? [])].sort(compareItems);
      const downloads = downloadsOf(entry, base, its, maxBytes);
      if (downloads.length === 0) continue;
      fetch = { kind: 'files', downloads };
    }
    sources.push({ id: entry.id, title: entry.title, format: entry.format, scope: entry.scope, neededBy: by, origin, base, fetch });
  }
  return { sources, notes: [...new Set(notes)] };
}
