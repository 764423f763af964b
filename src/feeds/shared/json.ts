/** Decoding and narrowing of untrusted feed documents. Pure. */
import { AppError } from '../../errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, or null. */
export function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Strings of an array, skipping anything else; [] for a non-array. */
export function strArray(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string' && x !== '') out.push(x);
  return out;
}

export function finiteNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The error every parser throws for a document that is not its format at all. */
export function invalidDocument(sourceName: string, why: string, cause?: unknown): AppError {
  return new AppError('ERR_FEED_INVALID', `failed to parse ${sourceName} document: ${why}`, {
    details: { feed: sourceName },
    ...(cause === undefined ? {} : { cause }),
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes or text to text; invalid UTF-8 is a document error. */
export function decodeText(input: string | Uint8Array, sourceName: string): string {
  if (typeof input === 'string') return input;
  try {
    return utf8.decode(input);
  } catch (e) {
    throw invalidDocument(sourceName, 'not valid UTF-8', e);
  }
}

/** Bytes or text to parsed JSON (as `unknown`); malformed or truncated JSON is a document error. */
export function parseJsonDocument(input: string | Uint8Array, sourceName: string): unknown {
  const text = decodeText(input, sourceName);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw invalidDocument(sourceName, `not valid JSON (${e instanceof Error ? e.message : String(e)})`, e);
  }
}

/** Short description of a JSON value's type for messages: `array`, `null`, `string`… */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
