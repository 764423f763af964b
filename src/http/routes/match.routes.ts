import { Type } from '@sinclair/typebox';
import type { App, AppDeps } from '../app.js';
import { InventoryDocumentSchema } from './agent.routes.js';
import { Nullable, errorResponses } from './schemas.js';

export const FindingSchema = Type.Object({
  vulnerability: Type.String({ description: 'CVE id, or the advisory id when the advisory names no CVE' }),
  advisories: Type.Array(Type.String(), { description: 'vendor advisories (RHSA/ALSA/DSA/USN…) covering it' }),
  package: Type.String({ description: 'installed (binary) package' }),
  arch: Type.String(),
  sourcePackage: Type.String({ description: 'the package the advisory keys on (source package for Debian/Ubuntu/Alpine)' }),
  installedVersion: Type.String(),
  fixedVersion: Nullable(Type.String()),
  fixState: Type.Union([Type.Literal('fixed'), Type.Literal('unfixed'), Type.Literal('will_not_fix'), Type.Literal('fix_deferred')]),
  severity: Type.String({ description: 'critical, high, medium, low, negligible or unknown' }),
  severityLabel: Nullable(Type.String({ description: 'the vendor’s own label (Important, medium, high**)' })),
  remediation: Nullable(Type.String({ description: 'the command that applies the fix on the host' })),
  sources: Type.Array(Type.String(), { description: 'feeds that reported it, the deciding one first (osv:AlmaLinux, debian-tracker…)' }),
  explanation: Type.Array(
    Type.Object({ source: Type.String(), advisoryId: Type.String(), status: Type.String(), comparison: Type.String() }),
    { description: 'per feed row: its status and the version comparison that decided' },
  ),
});

export const DocumentMatchSchema = Type.Object({
  os: Type.Object({
    id: Type.String(),
    versionId: Type.String(),
    prettyName: Type.String(),
    matchedAs: Nullable(Type.Object({ distro: Type.String(), release: Type.String() })),
    endOfLife: Nullable(Type.String()),
    supported: Type.Boolean(),
    note: Nullable(Type.String()),
  }),
  rebootRequired: Type.Boolean(),
  remediation: Nullable(Type.String()),
  findings: Type.Array(FindingSchema),
  problems: Type.Array(Type.String()),
});

export function matchRoutes(app: App, deps: Pick<AppDeps, 'matching' | 'guards'>): void {
  app.post(
    '/api/v1/match',
    {
      schema: {
        tags: ['matching'],
        summary: 'Match an inventory (agent document or Vuls scan result) against the local advisory data without storing it',
        body: Type.Union([InventoryDocumentSchema, Type.Object({}, { additionalProperties: true })]),
        response: { 200: DocumentMatchSchema, ...errorResponses, 413: errorResponses[400], 422: errorResponses[400] },
      },
      onRequest: async (req) => {
        await deps.guards.user(req);
      },
    },
    async (req) => deps.matching.matchDocument(req.body),
  );

  app.post(
    '/api/v1/match/reconcile',
    {
      schema: {
        tags: ['matching'],
        summary: 'Queue a full reconciliation: every host re-matched against the current advisory data (also runs on a schedule, see `mamori serve --reconcile-interval`)',
        response: { 202: Type.Object({ queued: Type.Boolean() }), ...errorResponses },
      },
      onRequest: async (req) => {
        await deps.guards.admin(req);
      },
    },
    async (_req, reply) => {
      await deps.matching.queueReconciliation();
      return reply.code(202).send({ queued: true });
    },
  );
}
