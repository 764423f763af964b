import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import { redactUrl } from '../../feeds/fetch/http.js';
import type { FeedSyncRunner, SourceSyncResult } from '../../feeds/sync.js';
import type { App, AppDeps } from '../app.js';
import { DateTime, Nullable, errorResponses } from './schemas.js';

const SyncResultSchema = Type.Object({
  sourceId: Type.String(),
  outcome: Type.Union([Type.Literal('imported'), Type.Literal('not_modified'), Type.Literal('busy'), Type.Literal('skipped'), Type.Literal('error')], {
    description: 'imported; not_modified (every URL answered 304); busy (another sync holds it); skipped (not needed, or cancelled); error',
  }),
  startedAt: DateTime,
  finishedAt: DateTime,
  downloads: Type.Array(
    Type.Object({ url: Type.String(), status: Type.Union([Type.Literal('ok'), Type.Literal('not_modified')]), bytes: Type.Integer() }),
  ),
  files: Type.Integer({ description: 'files handed to the importer' }),
  import: Nullable(
    Type.Object({
      advisories: Type.Integer(),
      affected: Type.Integer(),
      enrichments: Type.Integer(),
      problems: Type.Integer({ description: 'records with problems (see GET /api/v1/feeds for the stored ones)' }),
      changedKeys: Type.Integer(),
    }),
  ),
  message: Nullable(Type.String({ description: 'why it failed or was left alone' })),
});

const PlanSchema = Type.Object({
  sources: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      format: Type.String(),
      scope: Type.Union([Type.Literal('always'), Type.Literal('fleet')]),
      neededBy: Type.Array(Type.String()),
      origin: Type.Union([Type.Literal('upstream'), Type.Literal('mirror'), Type.Literal('override')]),
      urls: Type.Array(Type.String(), { description: 'what a sync downloads (NVD: the API endpoint, paged)' }),
    }),
  ),
  notes: Type.Array(Type.String()),
});

function view(r: SourceSyncResult): typeof SyncResultSchema.static {
  // The import service's summary counts all problems but lists only the first ones.
  const problems = r.import === null ? 0 : 'problemCount' in r.import && typeof r.import.problemCount === 'number' ? r.import.problemCount : r.import.problems.length;
  return {
    sourceId: r.sourceId,
    outcome: r.outcome,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    downloads: r.downloads,
    files: r.files,
    import:
      r.import === null
        ? null
        : { advisories: r.import.advisories, affected: r.import.affected, enrichments: r.import.enrichments, problems, changedKeys: r.import.changedKeys },
    message: r.message,
  };
}

function runnerOf(feedSync: FeedSyncRunner | undefined): FeedSyncRunner {
  if (feedSync === undefined) throw new AppError('ERR_CONFLICT', 'feed sync is not available in this process');
  return feedSync;
}

/** `POST /api/v1/feeds/sync` and `GET /api/v1/feeds/sync/plan` (admin). */
export function feedSyncRoutes(app: App, deps: Pick<AppDeps, 'guards'> & { feedSync?: FeedSyncRunner | undefined }): void {
  // A sync runs as long as its downloads take: shutting down (or the client going away) cancels it.
  const running = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const c of running) c.abort();
    done();
  });

  const admin = {
    onRequest: async (req: Parameters<AppDeps['guards']['admin']>[0]) => {
      await deps.guards.admin(req);
    },
  };

  app.post(
    '/api/v1/feeds/sync',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Download and import the feeds now (admin): every source the fleet needs, or the ones named; one result per source',
        body: Type.Object(
          { sources: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'source ids, e.g. osv:AlmaLinux, nvd' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(SyncResultSchema) }), ...errorResponses },
      },
      ...admin,
    },
    async (req, reply) => {
      const sources = req.body.sources;
      const runner = runnerOf(deps.feedSync);
      const abort = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.on('close', onClose);
      running.add(abort);
      try {
        const results = await runner.run({ ...(sources === undefined ? {} : { sources }), log: req.log, signal: abort.signal });
        return { results: results.map(view) };
      } finally {
        running.delete(abort);
        reply.raw.off('close', onClose);
      }
    },
  );

  app.get(
    '/api/v1/feeds/sync/plan',
    {
      schema: {
        tags: ['feeds'],
        summary: 'What a sync would download for the current fleet and settings (admin): the URLs to mirror for an offline server',
        response: { 200: PlanSchema, ...errorResponses },
      },
      ...admin,
    },
    async () => {
      const plan = await runnerOf(deps.feedSync).plan();
      return {
        sources: plan.sources.map((s) => ({
          id: s.id,
          title: s.title,
          format: s.format,
          scope: s.scope,
          neededBy: s.neededBy,
          origin: s.origin,
          urls: (s.fetch.kind === 'files' ? s.fetch.downloads.map((d) => d.url) : [s.fetch.endpoint]).map(redactUrl),
        })),
        notes: plan.notes,
      };
    },
  );
}
