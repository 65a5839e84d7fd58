import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { parse as parseQueryString } from 'qs';
import { AppError, toAppError } from './errors.ts';

/** The methods whose body is read (the body parser's own list). */
const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);
/** The Content-Encodings the body parser can undo. */
const encodings = ['identity', 'gzip', 'deflate', 'br'];

/** An error of the body parser's stack (co-body, raw-body, inflation): a status and a kind. */
interface ReadError {
  status?: unknown;
  type?: unknown;
  message: string;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Reads a JSON request body, up to `limit` (decompressed), into `ctx.request.body`. Every way a body
 * can be unreadable is the caller's mistake and answers 4xx in the error shape: a body that is not
 * JSON (415), an unknown Content-Encoding (415), data that does not decompress (400), malformed JSON
 * (400), too large (413). A request without a body reads as `{}`.
 *
 * Under `formPrefix` (Stripe's `/v1/`), a form-encoded body is read too, with qs and Stripe's
 * bracket notation (`metadata[order_id]=…`); dots in a key stay part of the key.
 */
export function jsonBody(limit: string, formPrefix?: string): Middleware {
  const parse = bodyParser({
    // The form is read as text and parsed below: co-body's own form parser turns `a.b` keys into objects.
    enableTypes: formPrefix ? ['json', 'text'] : ['json'],
    extendTypes: { text: [FORM] },
    jsonLimit: limit,
    textLimit: limit,
    encoding: 'utf-8',
    onError: (err: Error, ctx: Context) => {
      throw bodyError(err, contentEncoding(ctx));
    },
  });
  return async (ctx, next) => {
    const form = formPrefix !== undefined && ctx.path.startsWith(formPrefix);
    if (bodyMethods.has(ctx.method)) checkBody(ctx, form);
    await parse(ctx, async () => {
      if (form && typeof ctx.request.body === 'string') ctx.request.body = parseForm(ctx.request.body);
      await next();
    });
  };
}

/** A form body's fields; a field without a name (`=value`), which qs would drop unseen, is refused. */
function parseForm(text: string): unknown {
  if (text.split('&').some((pair) => pair.startsWith('=')))
    throw new AppError({
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      status: 400,
      message: 'A form field has no name.',
    });
  return parseQueryString(text, { depth: 2, parameterLimit: 200, arrayLimit: 20 });
}

/** Content-Encoding, which is case-insensitive; `identity` when absent. */
const contentEncoding = (ctx: Context): string => ctx.get('content-encoding').trim().toLowerCase() || 'identity';

/** Refuses, before reading anything, a body that is not JSON or is encoded in a way we cannot undo. */
function checkBody(ctx: Context, form: boolean): void {
  const encoding = contentEncoding(ctx);
  if (!encodings.includes(encoding))
    throw new AppError({
      type: 'invalid_request_error',
      code: 'unsupported_content_encoding',
      status: 415,
      message: `Content-Encoding "${ctx.get('content-encoding')}" is not supported (use one of: ${encodings.join(', ')}).`,
    });
  // The decompressor reads the header itself and knows only lower-case names.
  if (ctx.req.headers['content-encoding'] !== undefined) ctx.req.headers['content-encoding'] = encoding;
  const carriesBody = ctx.get('transfer-encoding') !== '' || Number(ctx.get('content-length')) > 0;
  if (carriesBody && !ctx.is('application/json') && !(form && ctx.is(FORM)))
    throw new AppError({
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
      status: 415,
      message: `Request body must be application/json${ctx.get('content-type') ? `, not ${ctx.get('content-type')}` : ''}.`,
    });
}

/** The body parser's error as the caller's mistake it is. */
function bodyError(err: ReadError, encoding: string): AppError {
  // Only the decompressor fails without an HTTP status (zlib's "incorrect header check" and the like).
  if (typeof err.status !== 'number' && encoding !== 'identity')
    return new AppError({
      type: 'invalid_request_error',
      code: 'invalid_body_encoding',
      status: 400,
      message: `Request body is not valid ${encoding} data: ${err.message}.`,
    });
  if (err.status === 413)
    return new AppError({
      type: 'invalid_request_error',
      code: 'body_too_large',
      status: 413,
      message: 'Request body is too large.',
    });
  // JSON.parse's errors carry only a status; raw-body's (aborted, length mismatch) also a type.
  if (err.status === 400 && err.type === undefined)
    return new AppError({
      type: 'invalid_request_error',
      code: 'invalid_json',
      status: 400,
      message: `Malformed JSON body: ${err.message}`,
    });
  return toAppError(err);
}
