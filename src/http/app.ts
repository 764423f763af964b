/**
 * buildApp(deps): the whole HTTP API as a Fastify instance, without listening.
 * Tests call it with real services on PGlite and use `inject()`; `server.ts`
 * listens on TCP and on the data directory's local socket.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import type { Clock } from '../clock.js';
import { ERROR_CODES } from '../errors.js';
import type { AuthService } from '../auth/auth.service.js';
import type { HostsService } from '../inventory/hosts.service.js';
import type { IngestService } from '../inventory/ingest.service.js';
import { sha256Hex } from '../inventory/ingest.service.js';
import type { RegistrationService } from '../inventory/registration.service.js';
import type { FindingsService } from '../matching/findings.service.js';
import type { FeedSyncRunner } from '../feeds/sync.js';
import type { FeedBundleService } from '../feeds/bundle/bundle.service.js';
import type { FeedImportService } from '../feeds/import/feed-import.service.js';
import type { MatchService } from '../matching/match.service.js';
import { createGuards, type Guards } from './auth.js';
import { registerBodyHandling, type BodyLimits } from './body.js';
import { errorHandler, STATUS_BY_CODE } from './error-handler.js';
import { agentRoutes } from './routes/agent.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { feedSyncRoutes } from './routes/feeds-sync.routes.js';
import { feedRoutes } from './routes/feeds.routes.js';
import { findingRoutes } from './routes/findings.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { hostRoutes } from './routes/hosts.routes.js';
import { matchRoutes } from './routes/match.routes.js';
import { registrationKeyRoutes } from './routes/registration-keys.routes.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface AppDeps {
  clock: Clock;
  auth: AuthService;
  registration: RegistrationService;
  ingest: IngestService;
  hosts: HostsService;
  matching: MatchService;
  findings: FindingsService;
  /** The knowledge base: feed imports (files, paths), status, sync state. */
  feeds: FeedImportService;
  feedBundles: FeedBundleService;
  /** Online feed sync (absent where no sync is wired). */
  feedSync?: FeedSyncRunner;
  guards: Guards;
  /** Resolves when the database is reachable and migrated; throws otherwise. */
  ready: () => Promise<void>;
  agentFiles: { agent: () => Promise<string>; installer: () => Promise<string> };
  /** The URL agents use to reach this server, when it differs from what the request shows (proxies). */
  publicUrl: string | undefined;
  limits: BodyLimits;
}

export interface BuildAppOptions {
  logger?: boolean | { level: string };
  /** Random per-process secret that marks requests from the local CLI. */
  localSecret: string;
}

export const DEFAULT_LIMITS: BodyLimits = { maxBytes: 16 * 1024 * 1024, maxCompressedBytes: 4 * 1024 * 1024 };

export function errorCodesMarkdown(): string {
  return Object.entries(ERROR_CODES)
    .map(([code, text]) => `| \`${code}\` | ${STATUS_BY_CODE[code as keyof typeof ERROR_CODES]} | ${text} |`)
    .join('\n');
}

export async function buildApp(deps: Omit<AppDeps, 'guards'>, opts: BuildAppOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: deps.limits.maxBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerBodyHandling(app, deps.limits, sha256Hex);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Mamori API',
        version: '1',
        description: `Fleet vulnerability management. Errors reply \`{statusCode, code, error, message}\`; codes:\n\n| code | status | meaning |\n|---|---|---|\n${errorCodesMarkdown()}`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const guards = createGuards(deps.auth, deps.registration, opts.localSecret);
  const full: AppDeps = { ...deps, guards };
  healthRoutes(app, deps.ready);
  authRoutes(app, full);
  registrationKeyRoutes(app, full);
  agentRoutes(app, full);
  hostRoutes(app, full);
  matchRoutes(app, full);
  findingRoutes(app, full);
  feedSyncRoutes(app, full);
  feedRoutes(app, full);
  await app.ready();
  return app;
}
