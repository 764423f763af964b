/**
 * Every error the core, services and adapters raise is an AppError with a
 * stable code. `http/error-handler.ts` maps codes to HTTP statuses; the CLI
 * prints `code: message`. Add new codes here (and only here).
 */
export const ERROR_CODES = {
  ERR_VALIDATION: 'request or document failed validation',
  ERR_BAD_JSON: 'body is not valid JSON',
  ERR_BAD_ENCODING: 'body is not valid UTF-8, or its gzip stream is corrupt',
  ERR_UNSUPPORTED_MEDIA_TYPE: 'unsupported content type or content encoding',
  ERR_PAYLOAD_TOO_LARGE: 'body or decompressed body exceeds the size limit',
  ERR_UNAUTHENTICATED: 'missing or invalid credentials',
  ERR_FORBIDDEN: 'the credential may not do this',
  ERR_NOT_FOUND: 'no such resource',
  ERR_CONFLICT: 'conflicts with existing state',
  ERR_RATE_LIMITED: 'too many requests',
  ERR_INVENTORY_SCHEMA_VERSION: 'inventory document has an unknown schema version',
  ERR_INVENTORY_NO_OS_RELEASE: 'inventory document has no OS release',
  ERR_INVENTORY_INVALID: 'inventory document could not be parsed',
  ERR_INVENTORY_HOST_MISMATCH: 'inventory describes a different host than the credential',
  ERR_REGISTRATION_KEY_INVALID: 'registration key is unknown, revoked or expired',
  ERR_REGISTRATION_KEY_EXHAUSTED: 'registration key has registered its maximum number of hosts',
  ERR_VERSION_INVALID: 'version string is not valid for its scheme',
  ERR_DATA_DIR_LOCKED: 'the data directory is in use by another process',
  ERR_SERVER_UNREACHABLE: 'the Mamori server could not be reached',
  ERR_DB_NOT_READY: 'database is not reachable or not migrated',
  ERR_FEED_INVALID: 'feed document could not be parsed, or a feed file is unusable',
  ERR_FEED_FETCH: 'a feed could not be downloaded',
  ERR_BUNDLE_INVALID: 'feed bundle is malformed, tampered with or of an unknown version',
  ERR_ARCHIVE_UNSAFE: 'archive refused: unsafe entry (path traversal, link) or too large (decompression bomb)',
  ERR_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
