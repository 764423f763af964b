import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'An error: stable `code` (see the API docs), human message' },
);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A Date in handlers, an RFC 3339 string on the wire. */
export const DateTime = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 2000 })),
};

export const errorResponses = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
};
