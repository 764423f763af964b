/**
 * The read side of findings and vulnerabilities: a host's findings with its remediation
 * command, fleet-wide findings, one finding with its history, and what is known about one
 * vulnerability id. Read-only; KEV, EPSS and NVD facts are joined per page from the
 * enrichments stored per source.
 */
import type {
  AdvisoryRecord,
  AffectedFindingRecord,
  EnrichmentRecord,
  FindingFilter,
  FindingRecord,
  FindingStateFilter,
  FindingsRepository,
} from '../db/repositories/findings.repository.js';
import { SEVERITY_ORDER } from '../db/repositories/findings.repository.js';
import type { HostsRepository } from '../db/repositories/hosts.repository.js';
import type { HostRow } from '../db/schema.js';
import type { CvssVersion, Severity } from '../domain/advisory.js';
import { AppError } from '../errors.js';
import type { Page } from '../inventory/hosts.service.js';
import { driverFor } from './drivers/index.js';
import { resolveTarget } from './release.js';
import type { Explanation, FixState } from './types.js';

export interface CvssView {
  version: CvssVersion;
  vector: string;
  baseScore: number;
  /** Who scored it (`nvd@nist.gov`, a CNA). */
  source: string;
}

export interface EpssView {
  score: number;
  percentile: number;
}

export interface FindingView {
  id: string;
  host: { id: string; hostname: string };
  vulnerability: string;
  advisories: string[];
  package: string;
  arch: string;
  sourcePackage: string;
  installedVersion: string;
  fixedVersion: string | null;
  fixState: FixState;
  severity: string;
  severityLabel: string | null;
  remediation: string | null;
  sources: string[];
  explanation: Explanation[];
  state: 'open' | 'resolved';
  firstSeenAt: Date;
  lastChangedAt: Date;
  resolvedAt: Date | null;
  resolution: 'fixed' | 'removed' | 'not_affected' | null;
  kev: boolean;
  epss: EpssView | null;
  /** The highest base score among NVD's CVSS metrics, null without NVD data. */
  cvss: CvssView | null;
}

export interface FindingEventView {
  kind: 'opened' | 'updated' | 'resolved' | 'reopened';
  at: Date;
  fromVersion: string | null;
  toVersion: string | null;
  resolution: string | null;
  cause: string;
}

export interface FindingDetail extends FindingView {
  history: FindingEventView[];
}

export interface HostFindingsPage extends Page<FindingView> {
  host: { id: string; hostname: string };
  /** One command applying every available fix of the host's open findings; null when nothing is fixable or the OS is unsupported. */
  remediation: string | null;
}

export interface FindingQuery {
  state?: FindingStateFilter;
  severities?: readonly Severity[];
  fixStates?: readonly FixState[];
  limit: number;
  cursor?: string;
}

export interface FleetFindingQuery extends FindingQuery {
  kev?: boolean;
  package?: string;
  hostId?: string;
  vulnerability?: string;
}

export interface HostFindingQuery extends FindingQuery {
  search?: string;
}

export interface VulnerabilityCvss extends CvssView {
  /** `nvd`, or the advisory source that published it. */
  origin: string;
  /** The advisory that carries it; null for NVD. */
  advisoryId: string | null;
  /** NVD: Primary or Secondary; null for advisories. */
  type: string | null;
  baseSeverity: string | null;
}

export interface VulnerabilityDetail {
  id: string;
  description: string | null;
  /** Where the description comes from: `nvd` or `<source> <advisory id>`. */
  descriptionSource: string | null;
  /** The highest normalized vendor severity, `unknown` when no vendor rated it. */
  severity: Severity;
  published: string | null;
  lastModified: string | null;
  cvss: VulnerabilityCvss[];
  severities: { source: string; advisoryId: string; severity: string; label: string | null }[];
  kev: {
    vendorProject: string;
    product: string;
    vulnerabilityName: string;
    shortDescription: string;
    dateAdded: string;
    dueDate: string;
    knownRansomwareCampaignUse: string;
    requiredAction: string;
    notes: string;
  } | null;
  epss: { score: number; percentile: number; date: string | null } | null;
  cwes: string[];
  references: { url: string; sources: string[]; tags: string[] }[];
  advisories: {
    source: string;
    id: string;
    title: string | null;
    severity: string;
    severityLabel: string | null;
    published: string | null;
    modified: string | null;
    withdrawn: string | null;
    cves: string[];
  }[];
  fixedVersions: {
    distro: string;
    release: string;
    channel: string | null;
    package: string;
    moduleStream: string | null;
    arch: string | null;
    fixedVersions: string[];
    status: string;
    source: string;
    advisoryId: string;
  }[];
  affectedHosts: AffectedFindingRecord[];
  /** Open findings and distinct hosts in total (`affectedHosts` holds at most AFFECTED_HOSTS_SHOWN). */
  openFindings: number;
  affectedHostCount: number;
}

export const AFFECTED_HOSTS_SHOWN = 500;

type Repo = Pick<
  FindingsRepository,
  'listFleet' | 'listHost' | 'findById' | 'events' | 'fixable' | 'listEnrichments' | 'enrichmentsOf' | 'advisoriesCiting' | 'affectedOf' | 'openFindingsFor' | 'anyFindingFor'
>;

function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function invalidCursor(): AppError {
  return new AppError('ERR_VALIDATION', 'invalid pagination cursor');
}

function decodeCursor(cursor: string): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(v)) throw invalidCursor();
  return v as unknown[];
}

function rankOf(severity: string): number {
  const i = SEVERITY_ORDER.indexOf(severity as Severity);
  return i < 0 ? SEVERITY_ORDER.length - 1 : i;
}

const isRank = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < SEVERITY_ORDER.length;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fleetCursor(cursor: string): { rank: number; id: string } {
  const [rank, id, ...rest] = decodeCursor(cursor);
  if (!isRank(rank) || typeof id !== 'string' || !UUID.test(id) || rest.length > 0) throw invalidCursor();
  return { rank, id };
}

function hostCursor(cursor: string): { rank: number; vulnerability: string; package: string; arch: string } {
  const [rank, vulnerability, pkg, arch, ...rest] = decodeCursor(cursor);
  if (!isRank(rank) || typeof vulnerability !== 'string' || typeof pkg !== 'string' || typeof arch !== 'string' || rest.length > 0) throw invalidCursor();
  return { rank, vulnerability, package: pkg, arch };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const CVSS_VERSIONS: readonly string[] = ['2.0', '3.0', '3.1', '4.0'];

/** A CvssScore-shaped object from stored JSON, or null. */
function cvssOf(v: unknown): (CvssView & { type: string | null; baseSeverity: string | null }) | null {
  if (!isObject(v)) return null;
  const version = str(v.version);
  const vector = str(v.vector);
  const baseScore = num(v.baseScore);
  if (version === null || !CVSS_VERSIONS.includes(version) || vector === null || baseScore === null) return null;
  return { version: version as CvssVersion, vector, baseScore, source: str(v.source) ?? '', type: str(v.type), baseSeverity: str(v.baseSeverity) };
}

/** Highest base score; on a tie the newer CVSS version, then NVD's Primary metric. */
function highestCvss(list: unknown): CvssView | null {
  if (!Array.isArray(list)) return null;
  let best: (CvssView & { type: string | null }) | null = null;
  for (const c of list.map(cvssOf)) {
    if (c === null) continue;
    if (
      best === null ||
      c.baseScore > best.baseScore ||
      (c.baseScore === best.baseScore && (c.version > best.version || (c.version === best.version && c.type === 'Primary' && best.type !== 'Primary')))
    ) {
      best = c;
    }
  }
  return best === null ? null : { version: best.version, vector: best.vector, baseScore: best.baseScore, source: best.source };
}

interface PageFacts {
  kev: Set<string>;
  epss: Map<string, EpssView>;
  cvss: Map<string, CvssView>;
}

function factsOf(rows: readonly EnrichmentRecord[]): PageFacts {
  const facts: PageFacts = { kev: new Set(), epss: new Map(), cvss: new Map() };
  for (const r of rows) {
    if (r.kind === 'kev') facts.kev.add(r.cve);
    else if (r.kind === 'epss' && isObject(r.data)) {
      const score = num(r.data.score);
      const percentile = num(r.data.percentile);
      if (score !== null && percentile !== null) facts.epss.set(r.cve, { score, percentile });
    } else if (r.kind === 'nvd' && isObject(r.data)) {
      const best = highestCvss(r.data.cvss);
      if (best !== null) facts.cvss.set(r.cve, best);
    }
  }
  return facts;
}

function explanationOf(v: unknown[]): Explanation[] {
  return v.filter(isObject).map((e) => ({
    source: str(e.source) ?? '',
    advisoryId: str(e.advisoryId) ?? '',
    status: (str(e.status) ?? '') as Explanation['status'],
    comparison: str(e.comparison) ?? '',
  }));
}

function view(f: FindingRecord, facts: PageFacts): FindingView {
  return {
    id: f.id,
    host: { id: f.hostId, hostname: f.hostname },
    vulnerability: f.vulnerability,
    advisories: f.advisories,
    package: f.package,
    arch: f.arch,
    sourcePackage: f.sourcePackage,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion,
    fixState: f.fixState,
    severity: f.severity,
    severityLabel: f.severityLabel,
    remediation: f.remediation,
    sources: f.sources,
    explanation: explanationOf(f.explanation),
    state: f.state,
    firstSeenAt: f.firstSeenAt,
    lastChangedAt: f.lastChangedAt,
    resolvedAt: f.resolvedAt,
    resolution: f.resolution,
    kev: facts.kev.has(f.vulnerability),
    epss: facts.epss.get(f.vulnerability) ?? null,
    cvss: facts.cvss.get(f.vulnerability) ?? null,
  };
}

function filterOf(q: FindingQuery): Omit<FindingFilter, 'hostId'> {
  return {
    state: q.state ?? 'open',
    ...(q.severities === undefined || q.severities.length === 0 ? {} : { severities: q.severities }),
    ...(q.fixStates === undefined || q.fixStates.length === 0 ? {} : { fixStates: q.fixStates }),
  };
}

export class FindingsService {
  constructor(
    private readonly findings: Repo,
    private readonly hosts: Pick<HostsRepository, 'findById'>,
  ) {}

  private async withFacts(rows: readonly FindingRecord[]): Promise<FindingView[]> {
    const facts = factsOf(await this.findings.listEnrichments(rows.map((r) => r.vulnerability)));
    return rows.map((r) => view(r, facts));
  }

  private async host(id: string): Promise<HostRow> {
    const h = await this.hosts.findById(id);
    if (h === undefined) throw new AppError('ERR_NOT_FOUND', `no host with id ${id}`);
    return h;
  }

  /** The distribution's command applying every fix of the host's open findings. */
  async hostRemediation(h: HostRow): Promise<string | null> {
    if (h.os_id === null) return null;
    const t = resolveTarget({ id: h.os_id, idLike: [], versionId: h.os_version_id ?? '', codename: h.os_codename, name: h.os_name ?? '', prettyName: h.os_pretty_name ?? '' });
    if (!t.supported) return null;
    const { packages, advisories } = await this.findings.fixable(h.id);
    if (packages.length === 0) return null;
    return driverFor(t.target.family).remediation(t.target, packages, advisories);
  }

  async listForHost(hostId: string, q: HostFindingQuery): Promise<HostFindingsPage> {
    const h = await this.host(hostId);
    const after = q.cursor === undefined ? null : hostCursor(q.cursor);
    const filter = { ...filterOf(q), ...(q.search === undefined || q.search === '' ? {} : { search: q.search }) };
    const rows = await this.findings.listHost(hostId, filter, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      host: { id: h.id, hostname: h.hostname },
      remediation: await this.hostRemediation(h),
      items: await this.withFacts(page),
      nextCursor: rows.length > q.limit && last !== undefined ? encodeCursor([rankOf(last.severity), last.vulnerability, last.package, last.arch]) : null,
    };
  }

  async list(q: FleetFindingQuery): Promise<Page<FindingView>> {
    const after = q.cursor === undefined ? null : fleetCursor(q.cursor);
    const filter: FindingFilter = {
      ...filterOf(q),
      ...(q.kev === undefined ? {} : { kev: q.kev }),
      ...(q.package === undefined || q.package === '' ? {} : { package: q.package }),
      ...(q.hostId === undefined ? {} : { hostId: q.hostId }),
      ...(q.vulnerability === undefined || q.vulnerability === '' ? {} : { vulnerability: q.vulnerability }),
    };
    const rows = await this.findings.listFleet(filter, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: await this.withFacts(page),
      nextCursor: rows.length > q.limit && last !== undefined ? encodeCursor([rankOf(last.severity), last.id]) : null,
    };
  }

  async get(id: string): Promise<FindingDetail> {
    const f = await this.findings.findById(id);
    if (f === undefined) throw new AppError('ERR_NOT_FOUND', `no finding with id ${id}`);
    const [v] = await this.withFacts([f]);
    const history = await this.findings.events(id);
    return { ...v!, history };
  }

  /** Everything known about a CVE (or an advisory id); ERR_NOT_FOUND when nothing is. */
  async vulnerability(id: string): Promise<VulnerabilityDetail> {
    const [enrichments, advisories] = await Promise.all([this.findings.enrichmentsOf(id), this.findings.advisoriesCiting(id)]);
    const cited = [...new Set(advisories.filter((a) => a.id === id).flatMap((a) => a.cves))].filter((c) => c !== id);
    const affected = await this.findings.openFindingsFor(id, cited, AFFECTED_HOSTS_SHOWN);
    if (enrichments.length === 0 && advisories.length === 0 && affected.findings === 0 && !(await this.findings.anyFindingFor(id))) {
      throw new AppError('ERR_NOT_FOUND', `nothing is known about ${id}`);
    }
    const nvd = enrichments.find((e) => e.kind === 'nvd')?.data;
    const kev = enrichments.find((e) => e.kind === 'kev')?.data;
    const epss = enrichments.find((e) => e.kind === 'epss')?.data;
    const rows = await this.findings.affectedOf(advisories.map((a) => ({ source: a.source, id: a.id })));

    const description = describe(id, isObject(nvd) ? str(nvd.description) : null, advisories);
    const cvss: VulnerabilityCvss[] = [];
    const seenCvss = new Set<string>();
    const addCvss = (origin: string, advisoryId: string | null, c: ReturnType<typeof cvssOf>): void => {
      if (c === null) return;
      const k = `${origin}\u0000${c.source}\u0000${c.version}\u0000${c.vector}`;
      if (seenCvss.has(k)) return;
      seenCvss.add(k);
      cvss.push({ origin, advisoryId, source: c.source, version: c.version, vector: c.vector, baseScore: c.baseScore, type: c.type, baseSeverity: c.baseSeverity });
    };
    if (isObject(nvd) && Array.isArray(nvd.cvss)) for (const c of nvd.cvss) addCvss('nvd', null, cvssOf(c));
    for (const a of advisories) for (const c of a.cvss) addCvss(a.source, a.id, cvssOf(c));

    const refs = new Map<string, { url: string; sources: string[]; tags: string[] }>();
    const addRef = (url: string | null, source: string, tags: string[]): void => {
      if (url === null || url === '') return;
      const r = refs.get(url) ?? { url, sources: [], tags: [] };
      if (!r.sources.includes(source)) r.sources.push(source);
      for (const t of tags) if (!r.tags.includes(t)) r.tags.push(t);
      refs.set(url, r);
    };
    if (isObject(nvd) && Array.isArray(nvd.references)) {
      for (const r of nvd.references.filter(isObject)) addRef(str(r.url), 'nvd', Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : []);
    }
    for (const a of advisories) for (const r of a.references.filter(isObject)) addRef(str(r.url), a.source, str(r.type) === null ? [] : [str(r.type)!]);

    const cwes = new Set<string>();
    for (const doc of [nvd, kev]) if (isObject(doc) && Array.isArray(doc.cwes)) for (const c of doc.cwes) if (typeof c === 'string') cwes.add(c);

    const ranked = advisories.map((a) => a.severity).filter((s): s is Severity => SEVERITY_ORDER.includes(s as Severity) && s !== 'unknown');
    const severity = ranked.length === 0 ? 'unknown' : ranked.reduce((a, b) => (rankOf(a) <= rankOf(b) ? a : b));

    return {
      id,
      description: description.text,
      descriptionSource: description.source,
      severity,
      published: isObject(nvd) ? str(nvd.published) : null,
      lastModified: isObject(nvd) ? str(nvd.lastModified) : null,
      cvss,
      severities: advisories.map((a) => ({ source: a.source, advisoryId: a.id, severity: a.severity, label: a.severityVendor })),
      kev: isObject(kev)
        ? {
            vendorProject: str(kev.vendorProject) ?? '',
            product: str(kev.product) ?? '',
            vulnerabilityName: str(kev.vulnerabilityName) ?? '',
            shortDescription: str(kev.shortDescription) ?? '',
            dateAdded: str(kev.dateAdded) ?? '',
            dueDate: str(kev.dueDate) ?? '',
            knownRansomwareCampaignUse: str(kev.knownRansomwareCampaignUse) ?? '',
            requiredAction: str(kev.requiredAction) ?? '',
            notes: str(kev.notes) ?? '',
          }
        : null,
      epss:
        isObject(epss) && num(epss.score) !== null && num(epss.percentile) !== null
          ? { score: num(epss.score)!, percentile: num(epss.percentile)!, date: str(epss.date) }
          : null,
      cwes: [...cwes].sort(),
      references: [...refs.values()],
      advisories: advisories.map((a) => ({
        source: a.source,
        id: a.id,
        title: a.title,
        severity: a.severity,
        severityLabel: a.severityVendor,
        published: a.published,
        modified: a.modified,
        withdrawn: a.withdrawn,
        cves: a.cves,
      })),
      fixedVersions: rows.map((r) => ({
        distro: r.distro,
        release: r.release,
        channel: r.channel,
        package: r.packageName,
        moduleStream: r.moduleStream,
        arch: r.arch,
        fixedVersions: [...new Set(r.ranges.filter(isObject).map((x) => str(x.fixed)).filter((x): x is string => x !== null))],
        status: r.status,
        source: r.source,
        advisoryId: r.advisoryId,
      })),
      affectedHosts: affected.items,
      openFindings: affected.findings,
      affectedHostCount: affected.hosts,
    };
  }
}

/**
 * NVD's English description; else an advisory's: those about the CVE itself (per-CVE
 * sources, id = the CVE) before errata, which describe a whole package update.
 */
function describe(id: string, nvd: string | null, advisories: readonly AdvisoryRecord[]): { text: string | null; source: string | null } {
  if (nvd !== null && nvd !== '') return { text: nvd, source: 'nvd' };
  const ordered = [...advisories.filter((a) => a.id === id), ...advisories.filter((a) => a.id !== id)];
  const a = ordered.find((x) => x.description !== null && x.description !== '');
  return a === undefined ? { text: null, source: null } : { text: a.description, source: `${a.source} ${a.id}` };
}
