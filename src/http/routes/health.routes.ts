import { Type } from '@sinclair/typebox';
import type { App } from '../app.js';

export function healthRoutes(app: App, ready: () => Promise<void>): void {
  app.get('/healthz', { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, () => ({ status: 'ok' as const }));
  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ready') }) } } },
    async () => {
      await ready();
      return { status: 'ready' as const };
    },
  );
}
