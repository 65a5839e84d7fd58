import ky, { HTTPError, TimeoutError } from 'ky';
import { correlationId as ambientCorrelationId } from './context.ts';
import { AppError } from './errors.ts';
import type { ErrorBody } from './errors.ts';

export interface CallOptions {
  idempotencyKey?: string;
  correlationId?: string;
  /** Sent as X-Chaos-Outcome (a per-order fault plan's entry for this attempt). */
  chaosOutcome?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type DomainClient = ReturnType<typeof createDomainClient>;

/**
 * A domain service over HTTP with ky. No retries here: Temporal's retry policy owns retrying.
 * ky's HTTPError and TimeoutError are turned into AppError once, here, with the answer's error body.
 * `serviceToken` (SERVICE_TOKEN) is sent on every call: under AUTH=strict the domains' writes and
 * ledgers answer only to it.
 */
export function createDomainClient(baseUrl: string, defaultTimeoutMs: number, serviceToken?: string) {
  const http = ky.create({
    prefix: baseUrl,
    retry: 0,
    throwHttpErrors: true,
    ...(serviceToken && { headers: { Authorization: `Bearer ${serviceToken}` } }),
  });
  async function call<T>(method: 'get' | 'post', path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { 'X-Correlation-Id': options.correlationId ?? ambientCorrelationId() };
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    if (options.chaosOutcome) headers['X-Chaos-Outcome'] = options.chaosOutcome;
    try {
      return await http(path, {
        method,
        headers,
        ...(body !== undefined && { json: body }),
        timeout: options.timeoutMs ?? defaultTimeoutMs,
        ...(options.signal && { signal: options.signal }),
      }).json<T>();
    } catch (err) {
      // Aborted by the caller (a cancelled activity): surface the abort reason (its CancelledFailure).
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      throw toAppError(err, `${method.toUpperCase()} ${baseUrl}${path}`);
    }
  }
  return {
    post: <T>(path: string, body: unknown, options?: CallOptions) => call<T>('post', path, body, options),
    get: <T>(path: string, options?: CallOptions) => call<T>('get', path, undefined, options),
  };
}

function toAppError(err: unknown, what: string): AppError {
  if (err instanceof HTTPError) {
    // ky 2 has already read and parsed the error body into `data`.
    const body = typeof err.data === 'object' && err.data !== null ? (err.data as Partial<ErrorBody>) : undefined;
    const e = body?.error;
    return new AppError({
      type: e?.type ?? 'api_error',
      code: e?.code ?? `http_${err.response.status}`,
      status: err.response.status,
      message: `${what}: ${err.response.status} ${e?.message ?? err.message}`,
      ...(e?.param && { param: e.param }),
      ...(e?.decline_code && { declineCode: e.decline_code }),
      cause: err,
    });
  }
  if (err instanceof TimeoutError)
    return new AppError({
      type: 'api_error',
      code: 'client_timeout',
      status: 504,
      message: `${what}: no answer in time`,
      cause: err,
    });
  if (err instanceof AppError) return err;
  return new AppError({
    type: 'api_error',
    code: 'network_error',
    status: 502,
    message: `${what}: ${(err as Error).message}`,
    cause: err,
  });
}
