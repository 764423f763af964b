/**
 * The data directory's local socket: the CLI's way into a running server.
 * Requests are replayed into the app with the local secret (acting as admin);
 * only processes that can open the socket file (mode 600, in a 700 directory)
 * get there.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { App } from './app.js';
import { LOCAL_SECRET_HEADER } from './auth.js';

export async function listenLocalSocket(app: App, socketPath: string, localSecret: string, maxBodyBytes: number): Promise<Server> {
  try {
    unlinkSync(socketPath); // left by a process that died; the data-dir lock proves nobody uses it
  } catch {
    /* none */
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(
          JSON.stringify({ statusCode: 413, code: 'ERR_PAYLOAD_TOO_LARGE', error: 'Payload Too Large', message: 'body too large' }),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const headers = { ...req.headers, [LOCAL_SECRET_HEADER]: localSecret };
      app
        .inject({ method: req.method as 'GET', url: req.url ?? '/', headers, ...(chunks.length > 0 ? { payload: Buffer.concat(chunks) } : {}) })
        .then((r) => {
          const out: Record<string, string | string[] | number> = {};
          for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'connection' && k !== 'transfer-encoding') out[k] = v;
          res.writeHead(r.statusCode, out).end(r.rawPayload);
        })
        .catch((e: unknown) => {
          res.writeHead(500).end(String(e));
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return server;
}
