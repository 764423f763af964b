/**
 * Who is calling. Three kinds of callers:
 * - people and scripts with a session token (`Authorization: Bearer mst_…`),
 * - agents with their host credential (`Authorization: Bearer mhc_…`),
 * - the local CLI, through the data directory's socket or in-process, which
 *   carries the process's random local secret and acts as admin.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { AuthService, Principal } from '../auth/auth.service.js';
import type { RegistrationService } from '../inventory/registration.service.js';

export const LOCAL_SECRET_HEADER = 'x-mamori-local';

export type Caller = Principal | { kind: 'local' };

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

function isLocal(req: FastifyRequest, localSecret: string): boolean {
  const v = req.headers[LOCAL_SECRET_HEADER];
  if (typeof v !== 'string' || v.length !== localSecret.length) return false;
  return timingSafeEqual(Buffer.from(v), Buffer.from(localSecret));
}

export interface Guards {
  /** Any signed-in user (admin or viewer), or the local CLI. */
  user(req: FastifyRequest): Promise<Caller>;
  /** Admins and the local CLI only. */
  admin(req: FastifyRequest): Promise<Caller>;
  /** An agent: returns the host id its credential belongs to. */
  host(req: FastifyRequest): Promise<string>;
}

export function createGuards(auth: AuthService, registration: RegistrationService, localSecret: string): Guards {
  const user = async (req: FastifyRequest): Promise<Caller> => {
    if (isLocal(req, localSecret)) return { kind: 'local' };
    const token = bearerToken(req);
    if (token === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'sign in first: send Authorization: Bearer <session token>');
    return auth.authenticate(token);
  };
  return {
    user,
    async admin(req) {
      const caller = await user(req);
      if (caller.kind === 'user' && caller.role !== 'admin') throw new AppError('ERR_FORBIDDEN', 'this needs the admin role');
      return caller;
    },
    async host(req) {
      const token = bearerToken(req);
      if (token === undefined) throw new AppError('ERR_UNAUTHENTICATED', 'send Authorization: Bearer <host credential>');
      return registration.authenticateHost(token);
    },
  };
}
