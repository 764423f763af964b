import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import type { RegistrationKey } from '../../db/repositories/registration-keys.repository.js';
import type { App, AppDeps } from '../app.js';
import { DateTime, IdParams, Nullable, errorResponses } from './schemas.js';

export const RegistrationKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'first characters of the key, to recognise it' }),
  createdAt: DateTime,
  expiresAt: Nullable(DateTime),
  maxHosts: Nullable(Type.Integer()),
  hostsRegistered: Type.Integer(),
  revokedAt: Nullable(DateTime),
  state: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('exhausted')]),
});

export function keyState(k: RegistrationKey, now: Date): 'active' | 'revoked' | 'expired' | 'exhausted' {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (k.maxHosts !== null && k.hostsRegistered >= k.maxHosts) return 'exhausted';
  return 'active';
}

/** `YYYY-MM-DD` means the end of that day in UTC; a full RFC 3339 time is taken as is. */
export function parseExpiry(s: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T23:59:59.999Z`) : new Date(s);
  if (Number.isNaN(d.getTime())) throw new AppError('ERR_VALIDATION', `invalid expiry date "${s}" (use YYYY-MM-DD)`);
  return d;
}

export function registrationKeyRoutes(app: App, deps: Pick<AppDeps, 'registration' | 'guards' | 'clock'>): void {
  const view = (k: RegistrationKey) => ({ ...k, state: keyState(k, deps.clock.now()) });

  app.get(
    '/api/v1/registration-keys',
    {
      schema: { tags: ['registration keys'], summary: 'List host-registration keys (admin)', response: { 200: Type.Object({ items: Type.Array(RegistrationKeySchema) }), ...errorResponses } },
      onRequest: async (req) => {
        await deps.guards.admin(req);
      },
    },
    async () => ({ items: (await deps.registration.listKeys()).map(view) }),
  );

  app.post(
    '/api/v1/registration-keys',
    {
      schema: {
        tags: ['registration keys'],
        summary: 'Create a host-registration key (admin); the key is shown only in this reply',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 200 }),
          expiresAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'YYYY-MM-DD (end of day, UTC) or RFC 3339' }))),
          maxHosts: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
        }),
        response: { 201: Type.Object({ key: Type.String(), registrationKey: RegistrationKeySchema }), ...errorResponses },
      },
      onRequest: async (req) => {
        await deps.guards.admin(req);
      },
    },
    async (req, reply) => {
      const { key, record } = await deps.registration.createKey({
        name: req.body.name,
        expiresAt: req.body.expiresAt === undefined || req.body.expiresAt === null ? null : parseExpiry(req.body.expiresAt),
        maxHosts: req.body.maxHosts ?? null,
      });
      return reply.status(201).send({ key, registrationKey: view(record) });
    },
  );

  app.delete(
    '/api/v1/registration-keys/:id',
    {
      schema: {
        tags: ['registration keys'],
        summary: 'Revoke a registration key (admin); hosts it registered keep their credentials',
        params: IdParams,
        response: { 200: RegistrationKeySchema, ...errorResponses },
      },
      onRequest: async (req) => {
        await deps.guards.admin(req);
      },
    },
    async (req) => view(await deps.registration.revokeKey(req.params.id)),
  );
}
