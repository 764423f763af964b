import { Type } from '@sinclair/typebox';
import type { App, AppDeps } from '../app.js';
import { IngestSummarySchema, InventoryDocumentSchema } from './agent.routes.js';
import { DateTime, IdParams, Nullable, PageQuery, errorResponses } from './schemas.js';

const HostSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  hostname: Type.String(),
  fqdn: Nullable(Type.String()),
  machineId: Type.String(),
  os: Nullable(
    Type.Object({ id: Type.String(), versionId: Type.String(), codename: Nullable(Type.String()), name: Type.String(), prettyName: Type.String() }),
  ),
  arch: Nullable(Type.String()),
  kernel: Type.Object({ release: Nullable(Type.String()), version: Nullable(Type.String()) }),
  packageCount: Type.Integer(),
  unparsedCount: Type.Integer(),
  registeredAt: DateTime,
  lastReportAt: Nullable(DateTime),
  lastChangeAt: Nullable(DateTime),
  syncState: Type.Union([Type.Literal('never'), Type.Literal('ok'), Type.Literal('stale')], {
    description: 'never reported, reporting, or stale (非同期: no report within the stale interval)',
  }),
  stale: Type.Boolean(),
  lastMatchedAt: Nullable(DateTime),
  matchStatus: Type.Union([Type.Literal('pending'), Type.Literal('ok'), Type.Literal('unsupported')], {
    description: 'pending (not matched yet), ok, or unsupported (no advisory data for its OS; see matchNote)',
  }),
  matchNote: Nullable(Type.String()),
  endOfLife: Nullable(Type.String({ description: 'end of security support of its release (YYYY-MM-DD)' })),
  endOfLifeReached: Type.Boolean(),
  rebootRequired: Type.Boolean({ description: 'a newer kernel is installed than the one running' }),
  findingCounts: Type.Object(
    {
      critical: Type.Integer(),
      high: Type.Integer(),
      medium: Type.Integer(),
      low: Type.Integer(),
      negligible: Type.Integer(),
      unknown: Type.Integer(),
    },
    { description: 'open findings by severity' },
  ),
});

const PackageSchema = Type.Object({
  manager: Type.String(),
  name: Type.String(),
  arch: Type.String(),
  evr: Type.String({ description: 'the whole version in its scheme (rpm [E:]V-R, dpkg Version, apk V)' }),
  epoch: Nullable(Type.String()),
  version: Type.String(),
  release: Nullable(Type.String()),
  sourceName: Nullable(Type.String()),
  sourceVersion: Nullable(Type.String()),
  vendor: Nullable(Type.String()),
  modularityLabel: Nullable(Type.String()),
  unparsedReason: Nullable(Type.String()),
  firstSeenAt: DateTime,
});

const ReportSchema = Type.Object({
  id: Type.String(),
  receivedAt: DateTime,
  collectedAt: Nullable(DateTime),
  source: Type.String(),
  packageCount: Type.Integer(),
  added: Type.Integer(),
  removed: Type.Integer(),
  changed: Type.Integer(),
  unparsed: Type.Integer(),
});

export function hostRoutes(app: App, deps: Pick<AppDeps, 'hosts' | 'ingest' | 'guards'>): void {
  const user = {
    onRequest: async (req: Parameters<AppDeps['guards']['user']>[0]) => {
      await deps.guards.user(req);
    },
  };

  app.get(
    '/api/v1/hosts',
    {
      schema: {
        tags: ['hosts'],
        summary: 'List hosts with OS, kernel, package count and sync state',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200, description: 'search hostname, FQDN, OS' })), ...PageQuery }),
        response: { 200: Type.Object({ items: Type.Array(HostSchema), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
      ...user,
    },
    async (req) =>
      deps.hosts.list({
        limit: req.query.limit ?? 50,
        ...(req.query.q === undefined ? {} : { search: req.query.q }),
        ...(req.query.cursor === undefined ? {} : { cursor: req.query.cursor }),
      }),
  );

  app.get(
    '/api/v1/hosts/:id',
    { schema: { tags: ['hosts'], summary: 'One host', params: IdParams, response: { 200: HostSchema, ...errorResponses } }, ...user },
    async (req) => deps.hosts.get(req.params.id),
  );

  app.get(
    '/api/v1/hosts/:id/packages',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Installed packages of a host, by name (search binary or source name)',
        params: IdParams,
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }),
        response: { 200: Type.Object({ items: Type.Array(PackageSchema), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
      ...user,
    },
    async (req) =>
      deps.hosts.packages(req.params.id, {
        limit: req.query.limit ?? 50,
        ...(req.query.q === undefined ? {} : { search: req.query.q }),
        ...(req.query.cursor === undefined ? {} : { cursor: req.query.cursor }),
      }),
  );

  app.get(
    '/api/v1/hosts/:id/reports',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Inventory reports received from a host, newest first, with what each changed',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })) }),
        response: { 200: Type.Object({ items: Type.Array(ReportSchema) }), ...errorResponses },
      },
      ...user,
    },
    async (req) => ({ items: await deps.hosts.reports(req.params.id, req.query.limit ?? 20) }),
  );

  app.post(
    '/api/v1/inventories',
    {
      schema: {
        tags: ['hosts'],
        summary: 'Upload an inventory (agent `collect` output or a Vuls scan result) for a host that cannot run the agent (admin)',
        querystring: Type.Object({ hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'override the host name in the document' })) }),
        body: Type.Union([InventoryDocumentSchema, Type.Object({}, { additionalProperties: true, description: 'a Vuls scan result' })]),
        response: { 201: IngestSummarySchema, ...errorResponses, 413: errorResponses[400], 422: errorResponses[400] },
      },
      onRequest: async (req) => {
        await deps.guards.admin(req);
      },
    },
    async (req, reply) => {
      const summary = await deps.ingest.ingestUpload(req.body, req.bodySha256 ?? '', req.query.hostname === undefined ? {} : { hostname: req.query.hostname });
      return reply.status(201).send(summary);
    },
  );
}
