/**
 * Request bodies from the network: gzip (with limits on compressed and
 * decompressed size, against decompression bombs), strict UTF-8, and JSON
 * without `__proto__` / `constructor.prototype` keys.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from '../errors.js';

export interface BodyLimits {
  /** Largest body after decompression. */
  maxBytes: number;
  /** Largest gzip-compressed body on the wire. */
  maxCompressedBytes: number;
}

class ByteLimit extends Transform {
  seen = 0;
  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      cb(new AppError('ERR_PAYLOAD_TOO_LARGE', `${this.what} exceeds ${this.max} bytes`));
      return;
    }
    cb(null, chunk);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the decoded body bytes (set by the JSON parser). */
    bodySha256?: string;
  }
}

export function registerBodyHandling(app: FastifyInstance, limits: BodyLimits, sha256Hex: (b: Buffer) => string): void {
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') {
      done(null, payload);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      done(new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', `unsupported content encoding "${encoding}" (use gzip or none)`));
      return;
    }
    const compressed = new ByteLimit(limits.maxCompressedBytes, 'compressed body');
    const decompressed = new ByteLimit(limits.maxBytes, 'decompressed body');
    const out = pipeline(payload, compressed, createGunzip(), decompressed, () => {
      /* errors reach Fastify through `out` */
    });
    // Fastify compares this with Content-Length (which counts compressed bytes).
    Object.defineProperty(out, 'receivedEncodedLength', { get: () => compressed.seen });
    done(null, out);
  });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  // JSON only: no text/plain or other default parsers (anything else is 415).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.maxBytes }, (req: FastifyRequest, body: Buffer, done) => {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      done(new AppError('ERR_BAD_ENCODING', 'body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(new AppError('ERR_BAD_JSON', 'body is empty'), undefined);
      return;
    }
    let value: unknown;
    try {
      value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      done(
        /forbidden (prototype|constructor) property/i.test(message)
          ? new AppError('ERR_VALIDATION', `body contains a forbidden key: ${message}`)
          : new AppError('ERR_BAD_JSON', `body is not valid JSON: ${message}`),
        undefined,
      );
      return;
    }
    req.bodySha256 = sha256Hex(body);
    done(null, value);
  });
}
