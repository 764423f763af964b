import { Type } from '@sinclair/typebox';
import type { App, AppDeps } from '../app.js';
import { FindingSchema } from './match.routes.js';
import { DateTime, IdParams, Nullable, PageQuery, errorResponses } from './schemas.js';

const SeveritySchema = Type.Union(
  ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'].map((s) => Type.Literal(s as 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown')),
);
const FixStateSchema = Type.Union([Type.Literal('fixed'), Type.Literal('unfixed'), Type.Literal('will_not_fix'), Type.Literal('fix_deferred')]);
const StateQuery = Type.Optional(
  Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'open', description: 'open (default), resolved or all' }),
);
const SeverityQuery = Type.Optional(Type.Array(SeveritySchema, { maxItems: 6, description: 'only these severities (repeat the parameter)' }));
const FixStateQuery = Type.Optional(Type.Array(FixStateSchema, { maxItems: 4, description: 'only these fix states (repeat the parameter)' }));

const HostRef = Type.Object({ id: Type.String({ format: 'uuid' }), hostname: Type.String() });

const CvssSchema = Type.Object({
  version: Type.String({ description: '2.0, 3.0, 3.1 or 4.0' }),
  vector: Type.String(),
  baseScore: Type.Number(),
  source: Type.String({ description: 'who scored it (nvd@nist.gov, a CNA address, or the advisory source)' }),
});

export const FindingItemSchema = Type.Composite(
  [
    Type.Object({ id: Type.String({ format: 'uuid' }), host: HostRef }),
    FindingSchema,
    Type.Object({
      state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
      firstSeenAt: DateTime,
      lastChangedAt: DateTime,
      resolvedAt: Nullable(DateTime),
      resolution: Nullable(Type.Union([Type.Literal('fixed'), Type.Literal('removed'), Type.Literal('not_affected')])),
      kev: Type.Boolean({ description: 'the vulnerability is in the CISA Known Exploited Vulnerabilities catalog' }),
      epss: Nullable(Type.Object({ score: Type.Number(), percentile: Type.Number() }, { description: 'FIRST EPSS probability of exploitation (0..1)' })),
      cvss: Nullable(Type.Composite([CvssSchema], { description: 'the highest base score among NVD’s CVSS metrics' })),
    }),
  ],
  { description: 'A finding: one vulnerability of one installed package on one host' },
);

const FindingEventSchema = Type.Object({
  kind: Type.Union([Type.Literal('opened'), Type.Literal('updated'), Type.Literal('resolved'), Type.Literal('reopened')]),
  at: DateTime,
  fromVersion: Nullable(Type.String()),
  toVersion: Nullable(Type.String()),
  resolution: Nullable(Type.String()),
  cause: Type.String({ description: 'what triggered it: inventory <id>, feed update, reconciliation' }),
});

const FindingDetailSchema = Type.Composite([FindingItemSchema, Type.Object({ history: Type.Array(FindingEventSchema, { description: 'oldest first' }) })]);

const VulnerabilitySchema = Type.Object(
  {
    id: Type.String(),
    description: Nullable(Type.String({ description: 'plain text as the feed wrote it (not HTML)' })),
    descriptionSource: Nullable(Type.String({ description: '`nvd`, or `<source> <advisory id>`' })),
    severity: Type.String({ description: 'highest normalized vendor severity; unknown when no vendor rated it' }),
    published: Nullable(Type.String({ description: 'NVD publication time' })),
    lastModified: Nullable(Type.String()),
    cvss: Type.Array(
      Type.Composite([
        CvssSchema,
        Type.Object({
          origin: Type.String({ description: '`nvd` or the advisory source' }),
          advisoryId: Nullable(Type.String()),
          type: Nullable(Type.String({ description: 'NVD: Primary or Secondary' })),
          baseSeverity: Nullable(Type.String()),
        }),
      ]),
    ),
    severities: Type.Array(Type.Object({ source: Type.String(), advisoryId: Type.String(), severity: Type.String(), label: Nullable(Type.String()) }), {
      description: 'each advisory’s severity: normalized and the vendor’s label',
    }),
    kev: Nullable(
      Type.Object({
        vendorProject: Type.String(),
        product: Type.String(),
        vulnerabilityName: Type.String(),
        shortDescription: Type.String(),
        dateAdded: Type.String({ description: 'YYYY-MM-DD' }),
        dueDate: Type.String({ description: 'YYYY-MM-DD' }),
        knownRansomwareCampaignUse: Type.String({ description: 'Known or Unknown' }),
        requiredAction: Type.String(),
        notes: Type.String(),
      }),
    ),
    epss: Nullable(Type.Object({ score: Type.Number(), percentile: Type.Number(), date: Nullable(Type.String()) })),
    cwes: Type.Array(Type.String()),
    references: Type.Array(Type.Object({ url: Type.String(), sources: Type.Array(Type.String()), tags: Type.Array(Type.String()) }), {
      description: 'NVD and advisory references, one per URL',
    }),
    advisories: Type.Array(
      Type.Object({
        source: Type.String(),
        id: Type.String(),
        title: Nullable(Type.String()),
        severity: Type.String(),
        severityLabel: Nullable(Type.String()),
        published: Nullable(Type.String()),
        modified: Nullable(Type.String()),
        withdrawn: Nullable(Type.String()),
        cves: Type.Array(Type.String()),
      }),
    ),
    fixedVersions: Type.Array(
      Type.Object({
        distro: Type.String(),
        release: Type.String(),
        channel: Nullable(Type.String()),
        package: Type.String(),
        moduleStream: Nullable(Type.String()),
        arch: Nullable(Type.String()),
        fixedVersions: Type.Array(Type.String()),
        status: Type.String({ description: 'fixed, affected, will_not_fix, fix_deferred, not_affected, end_of_life, under_investigation' }),
        source: Type.String(),
        advisoryId: Type.String(),
      }),
      { description: 'per distribution release and package, from the advisories citing it' },
    ),
    affectedHosts: Type.Array(
      Type.Object({
        findingId: Type.String({ format: 'uuid' }),
        hostId: Type.String({ format: 'uuid' }),
        hostname: Type.String(),
        package: Type.String(),
        arch: Type.String(),
        installedVersion: Type.String(),
        fixedVersion: Nullable(Type.String()),
        fixState: FixStateSchema,
        severity: Type.String(),
      }),
      { description: 'open findings for it, by hostname (at most 500; GET /api/v1/findings?vulnerability= lists all)' },
    ),
    openFindings: Type.Integer(),
    affectedHostCount: Type.Integer(),
  },
  { description: 'What is known about a CVE or advisory id, per source' },
);

export function findingRoutes(app: App, deps: Pick<AppDeps, 'findings' | 'guards'>): void {
  const user = {
    onRequest: async (req: Parameters<AppDeps['guards']['user']>[0]) => {
      await deps.guards.user(req);
    },
  };

  app.get(
    '/api/v1/hosts/:id/findings',
    {
      schema: {
        tags: ['findings'],
        summary: 'A host’s findings, by severity (critical first), with KEV, EPSS, CVSS and the host’s remediation command',
        params: IdParams,
        querystring: Type.Object({
          state: StateQuery,
          severity: SeverityQuery,
          fixState: FixStateQuery,
          q: Type.Optional(Type.String({ maxLength: 200, description: 'installed or source package name contains' })),
          ...PageQuery,
        }),
        response: {
          200: Type.Object({
            host: HostRef,
            remediation: Nullable(Type.String({ description: 'one command applying every available fix of the host’s open findings' })),
            items: Type.Array(FindingItemSchema),
            nextCursor: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
      ...user,
    },
    async (req) => {
      const q = req.query;
      return deps.findings.listForHost(req.params.id, {
        limit: q.limit ?? 50,
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.severity === undefined ? {} : { severities: q.severity }),
        ...(q.fixState === undefined ? {} : { fixStates: q.fixState }),
        ...(q.q === undefined ? {} : { search: q.q }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );

  app.get(
    '/api/v1/findings',
    {
      schema: {
        tags: ['findings'],
        summary: 'Findings across the fleet, by severity (critical first) then id',
        querystring: Type.Object({
          state: StateQuery,
          severity: SeverityQuery,
          fixState: FixStateQuery,
          kev: Type.Optional(Type.Boolean({ description: 'true: only KEV-listed vulnerabilities; false: only others' })),
          package: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'installed or source package name' })),
          host: Type.Optional(Type.String({ format: 'uuid', description: 'host id' })),
          vulnerability: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'CVE or advisory id' })),
          ...PageQuery,
        }),
        response: { 200: Type.Object({ items: Type.Array(FindingItemSchema), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
      ...user,
    },
    async (req) => {
      const q = req.query;
      return deps.findings.list({
        limit: q.limit ?? 50,
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.severity === undefined ? {} : { severities: q.severity }),
        ...(q.fixState === undefined ? {} : { fixStates: q.fixState }),
        ...(q.kev === undefined ? {} : { kev: q.kev }),
        ...(q.package === undefined ? {} : { package: q.package }),
        ...(q.host === undefined ? {} : { hostId: q.host }),
        ...(q.vulnerability === undefined ? {} : { vulnerability: q.vulnerability }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );

  app.get(
    '/api/v1/findings/:id',
    {
      schema: { tags: ['findings'], summary: 'One finding with its history', params: IdParams, response: { 200: FindingDetailSchema, ...errorResponses } },
      ...user,
    },
    async (req) => deps.findings.get(req.params.id),
  );

  app.get(
    '/api/v1/vulnerabilities/:id',
    {
      schema: {
        tags: ['findings'],
        summary: 'A CVE (or advisory id): description, CVSS and severities per source, KEV, EPSS, references, advisories, fixed versions, affected hosts',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._:+-]*$' }) }),
        response: { 200: VulnerabilitySchema, ...errorResponses },
      },
      ...user,
    },
    async (req) => deps.findings.vulnerability(req.params.id),
  );
}
