import { Type } from '@sinclair/typebox';
import type { App, AppDeps } from '../app.js';
import { bearerToken } from '../auth.js';
import { DateTime, errorResponses } from './schemas.js';

export function authRoutes(app: App, deps: Pick<AppDeps, 'auth'>): void {
  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in; returns a session token for `Authorization: Bearer`',
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1000 }) }),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: DateTime }), ...errorResponses },
      },
    },
    async (req) => deps.auth.login(req.body.username, req.body.password),
  );
  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'End this session', response: { 204: Type.Null() } } },
    async (req, reply) => {
      const token = bearerToken(req);
      if (token !== undefined) await deps.auth.logout(token);
      return reply.status(204).send(null);
    },
  );
}
