/** A real app on a real (per-file) database, for route tests with inject(). */
import { randomBytes } from 'node:crypto';
import { fixedClock } from '../../src/clock.js';
import { buildContextApp, createContext, type Context, type ContextOptions } from '../../src/context.js';
import type { App } from '../../src/http/app.js';
import { LOCAL_SECRET_HEADER } from '../../src/http/auth.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: App;
  ctx: Context;
  db: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  /** Headers that make a request come from the local CLI (admin). */
  local: Record<string, string>;
  close(): Promise<void>;
}

export async function createTestApp(opts: Omit<ContextOptions, 'clock'> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const clock = fixedClock('2026-11-25T09:00:00Z');
  const ctx = createContext(db, { ...opts, clock });
  const localSecret = randomBytes(16).toString('hex');
  const app = await buildContextApp(ctx, { localSecret });
  return {
    app,
    ctx,
    db,
    clock,
    local: { [LOCAL_SECRET_HEADER]: localSecret },
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** A minimal valid agent document for a Debian host. */
export function agentDocument(over: {
  hostname?: string;
  machineId?: string;
  packages?: string[];
  kernelRelease?: string;
} = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    agent: { name: 'mamori-agent', version: '0.1.0' },
    collectedAt: '2026-11-25T08:59:00Z',
    host: {
      hostname: over.hostname ?? 'web01',
      fqdn: `${over.hostname ?? 'web01'}.example.jp`,
      machineId: over.machineId ?? '0123456789abcdef0123456789abcdef',
      arch: 'x86_64',
      kernelRelease: over.kernelRelease ?? '6.1.0-18-amd64',
      kernelVersion: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)',
    },
    files: {
      '/etc/os-release':
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
      '/etc/debian_version': '12.5\n',
    },
    packages: [
      {
        format: 'dpkg-query-v1',
        data: (
          over.packages ?? [
            'bash\t5.2.15-2+b2\tamd64\tbash\t5.2.15-2\tinstall ok installed',
            'libssl3\t3.0.11-1~deb12u2\tamd64\topenssl\t3.0.11-1~deb12u2\tinstall ok installed',
            'openssl\t3.0.11-1~deb12u2\tamd64\topenssl\t3.0.11-1~deb12u2\tinstall ok installed',
          ]
        ).join('\n') + '\n',
      },
    ],
  };
}
