/** What agents call: register, report, and the agent script and installer themselves. */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { App, AppDeps } from '../app.js';
import { DateTime, errorResponses } from './schemas.js';

export const IngestSummarySchema = Type.Object({
  hostId: Type.String({ format: 'uuid' }),
  inventoryId: Type.String({ format: 'uuid' }),
  receivedAt: DateTime,
  packages: Type.Integer(),
  added: Type.Integer(),
  removed: Type.Integer(),
  changed: Type.Integer(),
  unparsed: Type.Integer({ description: 'packages stored but flagged: their version does not parse in its scheme' }),
  warnings: Type.Array(Type.String()),
});

/** The outer shape of an inventory document; the typed parsers check the rest. */
export const InventoryDocumentSchema = Type.Object(
  { schemaVersion: Type.Integer({ description: 'must be 1' }) },
  { additionalProperties: true, description: 'an agent inventory document (docs/inventory-format.md)' },
);

function publicUrl(req: FastifyRequest, configured: string | undefined): string {
  if (configured !== undefined) return configured.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

export function agentRoutes(app: App, deps: Pick<AppDeps, 'registration' | 'ingest' | 'guards' | 'agentFiles' | 'publicUrl'>): void {
  app.post(
    '/api/v1/agent/register',
    {
      schema: {
        tags: ['agent'],
        summary: 'Register a host with a registration key; returns its own credential',
        body: Type.Object({
          key: Type.String({ minLength: 1, maxLength: 200 }),
          hostname: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s/]+$' }),
          machineId: Type.Optional(Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9-]*$' })),
          fqdn: Type.Optional(Type.String({ maxLength: 255 })),
        }),
        response: { 201: Type.Object({ hostId: Type.String({ format: 'uuid' }), credential: Type.String(), created: Type.Boolean() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await deps.registration.registerHost({
        key: req.body.key,
        hostname: req.body.hostname,
        machineId: req.body.machineId ?? '',
        fqdn: req.body.fqdn === undefined || req.body.fqdn === '' ? null : req.body.fqdn,
      });
      return reply.status(201).send(r);
    },
  );

  app.post(
    '/api/v1/agent/inventory',
    {
      schema: {
        tags: ['agent'],
        summary: 'Report this host’s inventory (Authorization: Bearer <host credential>; JSON, optionally Content-Encoding: gzip)',
        body: InventoryDocumentSchema,
        response: { 202: IngestSummarySchema, ...errorResponses, 409: errorResponses[400], 413: errorResponses[400], 422: errorResponses[400] },
      },
      // A fleet reports all day: log failures, not every accepted report.
      logLevel: 'warn',
      onRequest: async (req) => {
        req.hostId = await deps.guards.host(req);
      },
    },
    async (req, reply) => {
      if (req.hostId === undefined || req.bodySha256 === undefined) throw new AppError('ERR_INTERNAL');
      const summary = await deps.ingest.ingestAgentReport(req.hostId, req.body, req.bodySha256);
      return reply.status(202).send(summary);
    },
  );

  app.get('/agent/mamori-agent', { schema: { tags: ['agent'], summary: 'The agent script (POSIX sh)' } }, async (_req, reply) =>
    reply.type('text/x-shellscript; charset=utf-8').header('cache-control', 'no-cache').send(await deps.agentFiles.agent()),
  );

  app.get(
    '/agent/install.sh',
    { schema: { tags: ['agent'], summary: 'One-line installer: curl -fsSL SERVER/agent/install.sh | sh -s -- --key KEY' } },
    async (req, reply) =>
      reply
        .type('text/x-shellscript; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send((await deps.agentFiles.installer()).replaceAll('@@MAMORI_SERVER@@', publicUrl(req, deps.publicUrl))),
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    hostId?: string;
  }
}
