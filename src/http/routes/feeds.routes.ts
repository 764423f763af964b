/**
 * The vulnerability knowledge base: per-source status and import history (any signed-in
 * user), and the imports the CLI runs (admin or the local CLI). The path-taking endpoints
 * read and write the SERVER's file system (`mamori feeds import` sends absolute paths
 * resolved against its own working directory), so they are for admins only.
 */
import { Type } from '@sinclair/typebox';
import type { FeedImportSummary, ImportPathsResult, SourceImportResult } from '../../feeds/import/feed-import.service.js';
import type { App, AppDeps } from '../app.js';
import { DateTime, Nullable, errorResponses } from './schemas.js';

const ProblemSchema = Type.Object({ record: Type.String(), message: Type.String(), file: Type.Optional(Type.String()) });

const SourceStatusSchema = Type.Object({
  sourceId: Type.String(),
  kind: Nullable(Type.Union([Type.Literal('advisories'), Type.Literal('enrichments')])),
  lastSuccessAt: Nullable(DateTime),
  lastAttemptAt: Nullable(DateTime),
  lastError: Nullable(Type.String()),
  counts: Type.Object({ advisories: Type.Integer(), affected: Type.Integer(), enrichments: Type.Integer(), problems: Type.Integer() }),
  newestRecordAt: Nullable(DateTime),
  dataAgeSeconds: Nullable(Type.Integer({ description: 'seconds from newestRecordAt to now: how stale the data is' })),
  syncing: Type.Boolean({ description: 'a sync holds the source now' }),
});

const SummarySchema = Type.Object({
  sourceId: Type.String(),
  kind: Type.Union([Type.Literal('advisories'), Type.Literal('enrichments')]),
  advisories: Type.Integer(),
  affected: Type.Integer(),
  enrichments: Type.Integer(),
  changedKeys: Type.Integer({ description: '(distro, release, package) keys whose data changed' }),
  files: Type.Integer(),
  records: Type.Integer(),
  problemCount: Type.Integer(),
  problems: Type.Array(ProblemSchema, { description: 'the first problems (problemCount is the total)' }),
  importId: Type.String(),
  newestRecordAt: Nullable(DateTime),
  changed: Type.Boolean(),
});

const SourceResultSchema = Type.Object({
  sourceId: Type.String(),
  ok: Type.Boolean(),
  summary: Nullable(SummarySchema),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});

const ImportResultSchema = Type.Object({
  sources: Type.Array(SourceResultSchema),
  skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
});

const ImportRecordSchema = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  origin: Type.String(),
  startedAt: DateTime,
  finishedAt: Nullable(DateTime),
  status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
  files: Type.Integer(),
  advisories: Type.Integer(),
  affected: Type.Integer(),
  enrichments: Type.Integer(),
  changedKeys: Type.Integer(),
  problemCount: Type.Integer(),
  problems: Type.Array(ProblemSchema),
  error: Nullable(Type.String()),
});

const ServerPath = Type.String({ minLength: 1, maxLength: 4096, description: 'a path on the server (absolute, or relative to its working directory)' });

function summaryView(s: FeedImportSummary): typeof SummarySchema.static {
  return {
    sourceId: s.sourceId,
    kind: s.kind,
    advisories: s.advisories,
    affected: s.affected,
    enrichments: s.enrichments,
    changedKeys: s.changedKeys,
    files: s.files,
    records: s.records,
    problemCount: s.problemCount,
    problems: s.problems,
    importId: s.importId,
    newestRecordAt: s.newestRecordAt,
    changed: s.changed,
  };
}

function resultView(r: SourceImportResult): typeof SourceResultSchema.static {
  return r.ok ? { sourceId: r.sourceId, ok: true, summary: summaryView(r.summary), error: null } : { sourceId: r.sourceId, ok: false, summary: null, error: r.error };
}

function importView(r: ImportPathsResult): typeof ImportResultSchema.static {
  return { sources: r.sources.map(resultView), skipped: r.skipped };
}

export function feedRoutes(app: App, deps: Pick<AppDeps, 'feeds' | 'feedBundles' | 'guards' | 'clock'>): void {
  const user = {
    onRequest: async (req: Parameters<AppDeps['guards']['user']>[0]) => {
      await deps.guards.user(req);
    },
  };
  const admin = {
    onRequest: async (req: Parameters<AppDeps['guards']['admin']>[0]) => {
      await deps.guards.admin(req);
    },
  };

  app.get(
    '/api/v1/feeds',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Feed sources: last success and attempt, last error, counts and data age',
        response: { 200: Type.Object({ items: Type.Array(SourceStatusSchema) }), ...errorResponses },
      },
      ...user,
    },
    async () => {
      const now = deps.clock.now();
      const items = (await deps.feeds.listSources()).map((s) => ({
        sourceId: s.sourceId,
        kind: s.kind,
        lastSuccessAt: s.lastSuccessAt,
        lastAttemptAt: s.lastAttemptAt,
        lastError: s.lastError,
        counts: { advisories: s.advisories, affected: s.affected, enrichments: s.enrichments, problems: s.problems },
        newestRecordAt: s.newestRecordAt,
        dataAgeSeconds: s.newestRecordAt === null ? null : Math.max(0, Math.floor((now.getTime() - s.newestRecordAt.getTime()) / 1000)),
        syncing: s.claimedUntil !== null && s.claimedUntil.getTime() > now.getTime(),
      }));
      return { items };
    },
  );

  app.get(
    '/api/v1/feeds/imports',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Import history, newest first, with the stored problems of each import',
        querystring: Type.Object({
          source: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(ImportRecordSchema) }), ...errorResponses },
      },
      ...user,
    },
    async (req) => ({
      items: await deps.feeds.listImports({ limit: req.query.limit ?? 20, ...(req.query.source === undefined ? {} : { sourceId: req.query.source }) }),
    }),
  );

  app.post(
    '/api/v1/feeds/import-paths',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Import feed files, directories or archives from the SERVER file system (admin); each source in one transaction',
        body: Type.Object({ paths: Type.Array(ServerPath, { minItems: 1, maxItems: 1000 }) }),
        response: { 200: ImportResultSchema, 422: errorResponses[400], ...errorResponses },
      },
      ...admin,
    },
    async (req) => importView(await deps.feeds.importPaths(req.body.paths)),
  );

  app.post(
    '/api/v1/feeds/export-bundle',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Write the knowledge base as a bundle (.tar.gz) to a path on the SERVER (admin); refuses an existing file unless overwrite',
        body: Type.Object({ path: ServerPath, overwrite: Type.Optional(Type.Boolean({ default: false })) }),
        response: {
          200: Type.Object({
            path: Type.String(),
            bytes: Type.Integer(),
            sha256: Type.String(),
            sources: Type.Array(Type.Object({ sourceId: Type.String(), advisories: Type.Integer(), affected: Type.Integer(), enrichments: Type.Integer() })),
          }),
          409: errorResponses[400],
          ...errorResponses,
        },
      },
      ...admin,
    },
    async (req) => deps.feedBundles.exportBundle(req.body.path, { overwrite: req.body.overwrite === true }),
  );

  app.post(
    '/api/v1/feeds/import-bundle',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Verify a bundle on the SERVER file system, then load each of its sources atomically (admin)',
        body: Type.Object({ path: ServerPath }),
        response: { 200: Type.Object({ createdAt: Type.String(), sources: Type.Array(SourceResultSchema) }), 422: errorResponses[400], ...errorResponses },
      },
      ...admin,
    },
    async (req) => {
      const r = await deps.feedBundles.importBundle(req.body.path);
      return { createdAt: r.createdAt, sources: r.sources.map(resultView) };
    },
  );
}
