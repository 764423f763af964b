/**
 * A test double of the Mamori server's agent API on 127.0.0.1, recording every
 * request. (The end-to-end test against `mamori serve` lives elsewhere.)
 *
 *   POST /api/v1/agent/register   {key, hostname, fqdn, machineId} → 201 {hostId, credential}
 *   POST /api/v1/agent/inventory  Bearer credential, JSON (maybe gzip) → 202
 *   GET  /agent/install.sh        agent/install.sh with @@MAMORI_SERVER@@ replaced
 *   GET  /agent/mamori-agent      agent/mamori-agent
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { AGENT, INSTALL_SH } from './helpers.js';

export const GOOD_KEY = 'enrol-key-1';
export const HOST_ID = 'host_01HXYZ';
export const CREDENTIAL = 'cred_abc-DEF_123';

export interface TlsOptions {
  key: Buffer;
  cert: Buffer;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** body as received on the wire */
  raw: Buffer;
  /** body after Content-Encoding was undone */
  body: Buffer;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function errorBody(statusCode: number, code: string, error: string, message: string): Reply {
  return { status: statusCode, body: { statusCode, code, error, message } };
}

export class FakeMamori {
  readonly requests: RecordedRequest[] = [];
  /** scripted replies, consumed first-in first-out, per path */
  private readonly queued = new Map<string, Reply[]>();
  /** serve this instead of the agent script at /agent/mamori-agent */
  agentOverride: string | undefined;

  private readonly server: Server;
  private baseUrl = '';

  private constructor(tls: TlsOptions | undefined) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res);
    };
    this.server = tls ? createTlsServer(tls, handler) : createServer(handler);
  }

  /** http://127.0.0.1:PORT (https:// with `tls`) */
  get url(): string {
    return this.baseUrl;
  }

  static async start(tls?: TlsOptions): Promise<FakeMamori> {
    const fake = new FakeMamori(tls);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return fake;
  }

  /** Reply `replies` to the next requests on `path`, then behave normally again. */
  script(path: string, ...replies: Reply[]): void {
    this.queued.set(path, [...(this.queued.get(path) ?? []), ...replies]);
  }

  reset(): void {
    this.requests.length = 0;
    this.queued.clear();
    this.agentOverride = undefined;
  }

  on(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = raw;
      if (req.headers['content-encoding'] === 'gzip') {
        try {
          body = gunzipSync(raw);
        } catch {
          body = Buffer.from('<invalid gzip>');
        }
      }
      const url = req.url ?? '/';
      this.requests.push({ method: req.method ?? '', url, headers: req.headers, raw, body });
      const scripted = this.queued.get(url)?.shift();
      const reply = scripted ?? this.route(req.method ?? '', url, req.headers, body);
      if (typeof reply.body === 'string') {
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body);
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      }
    });
  }

  private route(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Reply {
    if (method === 'GET' && url === '/agent/install.sh') {
      return { status: 200, body: readFileSync(INSTALL_SH, 'utf8').replaceAll('@@MAMORI_SERVER@@', this.url) };
    }
    if (method === 'GET' && url === '/agent/mamori-agent') {
      return { status: 200, body: this.agentOverride ?? readFileSync(AGENT, 'utf8') };
    }
    if (method !== 'POST') return errorBody(404, 'ERR_NOT_FOUND', 'Not Found', `Route ${method}:${url} not found`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return errorBody(400, 'ERR_BAD_JSON', 'Bad Request', 'body is not valid JSON');
    }
    if (!headers['content-type']?.startsWith('application/json')) {
      return errorBody(415, 'ERR_CONTENT_TYPE', 'Unsupported Media Type', 'expected application/json');
    }
    if (url === '/api/v1/agent/register') {
      const key = (json as { key?: unknown }).key;
      if (key !== GOOD_KEY)
        return errorBody(401, 'ERR_AGENT_KEY_INVALID', 'Unauthorized', 'registration key is not valid');
      return { status: 201, body: { hostId: HOST_ID, credential: CREDENTIAL } };
    }
    if (url === '/api/v1/agent/inventory') {
      if (headers.authorization !== `Bearer ${CREDENTIAL}`) {
        return errorBody(401, 'ERR_AGENT_CREDENTIAL_INVALID', 'Unauthorized', 'agent credential is not valid');
      }
      return { status: 202, body: { accepted: true } };
    }
    return errorBody(404, 'ERR_NOT_FOUND', 'Not Found', `Route ${method}:${url} not found`);
  }
}
