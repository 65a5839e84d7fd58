import type { Context, Next } from 'koa';
import { z } from 'zod';
import { correlationId } from './context.ts';
import { logger } from './logger.ts';

/** The error types: Stripe's vocabulary, so a client written for Stripe reads them. */
export const errorTypes = [
  'card_error',
  'invalid_request_error',
  'idempotency_error',
  'api_error',
  'rate_limit_error',
] as const;
export type ErrorType = (typeof errorTypes)[number];

/** The one error body every service answers with, whatever failed and wherever. */
export const errorBodySchema = z
  .object({
    error: z.object({
      type: z.enum(errorTypes),
      code: z.string(),
      message: z.string(),
      param: z.string().optional(),
      decline_code: z.string().optional(),
      correlation_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export interface AppErrorOptions {
  type: ErrorType;
  code: string;
  status: number;
  message: string;
  param?: string;
  declineCode?: string;
  headers?: Record<string, string>;
  /** Whether the message may be shown to the caller (koa's rule: 4xx yes, 5xx no). */
  expose?: boolean;
  /**
   * Thrown by a domain operation's handler: what it wrote stands (committed with this error as the
   * Idempotency-Key's answer), as a Stripe decline keeps the failed PaymentIntent.
   */
  commit?: boolean;
  cause?: unknown;
}

/** The one error class: thrown anywhere, turned into the one error body by `errorMiddleware`. */
export class AppError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly status: number;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;
  readonly headers: Record<string, string>;
  readonly expose: boolean;
  readonly commit: boolean;

  constructor(options: AppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.type = options.type;
    this.code = options.code;
    this.status = options.status;
    this.param = options.param;
    this.declineCode = options.declineCode;
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? options.status < 500;
    this.commit = options.commit ?? false;
  }
}

export const badRequest = (code: string, message: string, param?: string): AppError =>
  new AppError({ type: 'invalid_request_error', code, status: 400, message, param });
export const notFound = (message: string, param?: string): AppError =>
  new AppError({ type: 'invalid_request_error', code: 'resource_missing', status: 404, message, param });
export const conflict = (code: string, message: string, param?: string): AppError =>
  new AppError({ type: 'invalid_request_error', code, status: 409, message, param });

/** The body for an error, with the current correlation id. */
export function errorBody(err: AppError): ErrorBody {
  return {
    error: {
      type: err.type,
      code: err.code,
      message: err.expose ? err.message : 'An internal error occurred.',
      ...(err.param !== undefined && { param: err.param }),
      ...(err.declineCode !== undefined && { decline_code: err.declineCode }),
      correlation_id: correlationId(),
    },
  };
}

/** Path of the first zod issue, in the dotted/bracket form Stripe uses for `param`. */
export function issueParam(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** A zod error as a 400 naming the first bad field. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'params' | 'header'): AppError {
  const issue = error.issues[0];
  // An unknown field (`.strict()`) is reported on its parent object: name the field itself.
  const path =
    issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue?.path;
  const param = path ? issueParam(path) : undefined;
  const message = issue ? `Invalid ${where}${param ? ` field ${param}` : ''}: ${issue.message}` : `Invalid ${where}`;
  return new AppError({
    type: 'invalid_request_error',
    code: param ? 'parameter_invalid' : 'invalid_request',
    status: 400,
    message,
    param,
  });
}

/**
 * Errors thrown by koa and its middleware (http-errors) carry `status`: a 4xx keeps its status and
 * message. The body parser's errors are named where the body is read (body-parser.ts).
 */
function fromHttpError(err: { status: number; message: string }): AppError {
  if (err.status < 500)
    return new AppError({
      type: 'invalid_request_error',
      code: 'invalid_request',
      status: err.status,
      message: err.message,
    });
  return new AppError({
    type: 'api_error',
    code: 'internal_error',
    status: err.status,
    message: err.message,
    expose: false,
  });
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && 'message' in err)
    return fromHttpError(err as { status: number; message: string });
  return new AppError({
    type: 'api_error',
    code: 'internal_error',
    status: 500,
    message: 'Internal error',
    expose: false,
    cause: err,
  });
}

/** Turns any thrown error into the one error body; unknown errors are logged 500s. */
export async function errorMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (thrown) {
    const err = toAppError(thrown);
    if (err.status >= 500 && !(thrown instanceof AppError)) logger.error({ err: thrown }, 'unhandled error');
    ctx.status = err.status;
    ctx.set(err.headers);
    ctx.body = errorBody(err);
  }
}
