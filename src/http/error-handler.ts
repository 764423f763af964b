/**
 * Maps errors to HTTP replies `{statusCode, code, error, message}`. The core
 * throws AppError codes, never statuses; Fastify's own errors (validation,
 * body limits, content types) are translated to our stable codes here.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_BAD_JSON: 400,
  ERR_BAD_ENCODING: 400,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_RATE_LIMITED: 429,
  ERR_INVENTORY_SCHEMA_VERSION: 422,
  ERR_INVENTORY_NO_OS_RELEASE: 422,
  ERR_INVENTORY_INVALID: 422,
  ERR_INVENTORY_HOST_MISMATCH: 409,
  ERR_REGISTRATION_KEY_INVALID: 403,
  ERR_REGISTRATION_KEY_EXHAUSTED: 403,
  ERR_VERSION_INVALID: 400,
  ERR_DATA_DIR_LOCKED: 503,
  ERR_SERVER_UNREACHABLE: 503,
  ERR_DB_NOT_READY: 503,
  ERR_FEED_INVALID: 422,
  ERR_FEED_FETCH: 502,
  ERR_BUNDLE_INVALID: 422,
  ERR_ARCHIVE_UNSAFE: 422,
  ERR_INTERNAL: 500,
};

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_VALIDATION: 'ERR_VALIDATION',
  Z_DATA_ERROR: 'ERR_BAD_ENCODING',
  Z_BUF_ERROR: 'ERR_BAD_ENCODING',
};

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as Partial<FastifyError> & { cause?: unknown };
  if (e.validation !== undefined) return new AppError('ERR_VALIDATION', e.message ?? 'request failed validation');
  const mapped = e.code === undefined ? undefined : FASTIFY_CODES[e.code];
  if (mapped !== undefined) return new AppError(mapped, e.message, { cause: err });
  if (err instanceof SyntaxError && e.statusCode === 400) return new AppError('ERR_BAD_JSON', `body is not valid JSON: ${err.message}`);
  if (e.statusCode === 413) return new AppError('ERR_PAYLOAD_TOO_LARGE', e.message);
  if (e.statusCode === 415) return new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', e.message);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new AppError('ERR_VALIDATION', e.message);
  return new AppError('ERR_INTERNAL', 'internal error', { cause: err });
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const app = toAppError(err);
  const statusCode = STATUS_BY_CODE[app.code];
  if (statusCode >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: app.code, msg: app.message }, 'request rejected');
  return reply.status(statusCode).send({
    statusCode,
    code: app.code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: app.message,
    ...(app.details === undefined ? {} : { details: app.details }),
  });
}
