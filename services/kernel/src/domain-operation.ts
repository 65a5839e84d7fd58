import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Chaos, Decision } from './chaos.ts';
import type { ServiceEnv } from './config.ts';
import type { Db } from './db.ts';
import { inGroup } from './db.ts';
import { AppError, badRequest, errorBody, toAppError } from './errors.ts';
import { fingerprint } from './idempotency.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Route, RouteInput } from './route-definition.ts';

const idempotencyKeySchema = z.string().min(1).max(255);

export interface Pipeline {
  chaos: Chaos;
  idempotency: IdempotencyStore;
  metrics: Metrics;
  db: Db;
  env: ServiceEnv;
}

/** True for answers that are final for a key: successes and business errors, not transient faults. */
const definitive = (status: number): boolean => status < 500 && status !== 429 && status !== 408;

/** What a domain operation's headers ask for: its Idempotency-Key and a forced chaos outcome. */
interface OperationRequest {
  operation: string;
  key: string | undefined;
  forced: string | undefined;
}

/** The request's hold on its Idempotency-Key; without a key there is nothing to hold. */
interface Claim {
  key: string | undefined;
  /** Frees the key: nothing definitive happened, so a retry draws again. */
  release(): void;
}

/**
 * A domain operation (a POST, or a GET such as a public-API stand-in), after its input was validated:
 * claim the idempotency key, draw the chaos outcome, then either fail transiently (key freed), or
 * commit: answer a business error (stored), or run the effect and store its answer in one transaction.
 */
export async function runDomainOperation(
  ctx: Context,
  route: Route,
  input: RouteInput<unknown, unknown, unknown, unknown>,
  p: Pipeline,
): Promise<void> {
  // The router sends only a chaos route here: the chaos operation is what the pipeline draws for.
  if (route.chaos === undefined) throw new Error(`${route.operationId} has no chaos operation to run.`);
  const request = readOperationHeaders(ctx, route.chaos, p);
  const claim = claimKey(ctx, route, input, request.key, p);
  if (!claim) return; // answered from the idempotency store
  const decision: Decision = route.chaosExempt?.(input)
    ? { outcome: 'success', latencyMs: 0, forced: false, attempt: 0 }
    : decide(ctx, request, claim, p);
  if (isTransient(decision.outcome)) return failTransient(ctx, decision.outcome, decision, claim, p);
  await commit(ctx, route, input, request.operation, decision, claim, p);
}

/** Idempotency-Key and X-Chaos-Outcome, checked (400 naming the header). */
function readOperationHeaders(ctx: Context, operation: string, p: Pipeline): OperationRequest {
  const rawKey = ctx.get('idempotency-key');
  const key = rawKey === '' ? undefined : rawKey;
  if (key !== undefined && !idempotencyKeySchema.safeParse(key).success)
    throw badRequest('parameter_invalid', 'Idempotency-Key must be 1 to 255 characters.', 'Idempotency-Key');
  const forcedRaw = ctx.get('x-chaos-outcome').trim();
  const forced = forcedRaw === '' ? undefined : forcedRaw;
  if (forced !== undefined) {
    if (!p.env.ALLOW_CHAOS_FORCING)
      throw badRequest(
        'chaos_forcing_disabled',
        'X-Chaos-Outcome is not accepted: forcing is disabled on this service.',
        'X-Chaos-Outcome',
      );
    if (!p.chaos.outcomesOf(operation).includes(forced))
      throw badRequest(
        'parameter_invalid',
        `X-Chaos-Outcome must be one of: ${p.chaos.outcomesOf(operation).join(', ')}.`,
        'X-Chaos-Outcome',
      );
  }
  return { operation, key, forced };
}

/**
 * Claims the Idempotency-Key for this request; refuses a key in use with other parameters or still in
 * flight, and answers a repeat from the store (then returns undefined: nothing more to do).
 */
function claimKey(
  ctx: Context,
  route: Route,
  input: RouteInput<unknown, unknown, unknown, unknown>,
  key: string | undefined,
  p: Pipeline,
): Claim | undefined {
  if (key !== undefined) {
    // A GET carries its input in the query, a POST in its body.
    const request = route.body ? ctx.request.body : input.query;
    const begun = p.idempotency.begin(key, fingerprint(ctx.method, ctx.path, request));
    if (begun.kind === 'mismatch')
      throw new AppError({
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        status: 400,
        message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        param: 'Idempotency-Key',
      });
    if (begun.kind === 'in_flight')
      throw new AppError({
        type: 'idempotency_error',
        code: 'idempotency_key_in_flight',
        status: 409,
        message: 'A request with this Idempotency-Key is still being processed; retry later.',
        param: 'Idempotency-Key',
      });
    if (begun.kind === 'replay') {
      p.metrics.idempotentReplays.inc({ route: route.path });
      ctx.set('Idempotent-Replayed', 'true');
      ctx.status = begun.status;
      ctx.body = begun.body;
      return undefined;
    }
  }
  return {
    key,
    release: (): void => {
      if (key !== undefined) p.idempotency.abandon(key);
    },
  };
}

/** Draws (or takes the forced) chaos outcome, and records it: metric, span, log line, header. */
function decide(ctx: Context, request: OperationRequest, claim: Claim, p: Pipeline): Decision {
  const { operation, key, forced } = request;
  let decision: Decision;
  try {
    decision = p.chaos.decide(operation, key, forced);
  } catch (err) {
    claim.release();
    throw err;
  }
  const { outcome } = decision;
  p.metrics.chaosOutcomes.inc({ operation, outcome, forced: String(decision.forced) });
  trace.getActiveSpan()?.setAttributes({
    'chaos.operation': operation,
    'chaos.outcome': outcome,
    'chaos.forced': decision.forced,
    'chaos.attempt': decision.attempt,
  });
  // Logged once, on the request's own line (see requestLog).
  ctx.state.chaos = {
    operation,
    outcome,
    forced: decision.forced,
    attempt: decision.attempt,
    latencyMs: decision.latencyMs,
  };
  ctx.set('X-Chaos-Outcome', outcome);
  return decision;
}

/** The error a transient outcome answers with (`reset` answers nothing: it drops the connection). */
function transientFault(outcome: Exclude<TransientOutcome, 'reset'>, chaos: Chaos): AppError {
  switch (outcome) {
    case 'timeout':
      return timedOut();
    case 'server_error':
      return new AppError({
        type: 'api_error',
        code: 'server_error',
        status: 500,
        message: 'The server had an error while processing the request.',
        expose: true,
      });
    case 'rate_limited':
      return new AppError({
        type: 'rate_limit_error',
        code: 'rate_limited',
        status: 429,
        message: 'Too many requests.',
        headers: { 'Retry-After': String(chaos.retryAfterSeconds()) },
      });
  }
}

const timedOut = (): AppError =>
  new AppError({ type: 'api_error', code: 'timeout', status: 504, message: 'The request timed out.' });

/** Outcomes that apply nothing and leave the key free: a retry draws again. */
type TransientOutcome = 'timeout' | 'server_error' | 'rate_limited' | 'reset';
const isTransient = (outcome: string): outcome is TransientOutcome =>
  outcome === 'timeout' || outcome === 'server_error' || outcome === 'rate_limited' || outcome === 'reset';

/** A transient outcome: free the key, wait as the outcome says, then fail or drop the connection. */
async function failTransient(
  ctx: Context,
  outcome: TransientOutcome,
  decision: Decision,
  claim: Claim,
  p: Pipeline,
): Promise<void> {
  // Nothing happened: free the key before waiting, so a caller's retry draws again at once.
  claim.release();
  if (decision.latencyMs) await sleep(decision.latencyMs);
  if (outcome === 'timeout') await sleep(p.chaos.timeoutMs());
  if (outcome === 'reset') {
    ctx.req.socket.destroy();
    ctx.respond = false;
    return;
  }
  throw transientFault(outcome, p.chaos);
}

/**
 * The outcomes that answer definitively: a business error, or the effect run in one transaction with
 * its stored answer (then, for `commit_then_timeout`, a 504 all the same). Applies nothing when the
 * caller hung up first.
 */
async function commit(
  ctx: Context,
  route: Route,
  input: RouteInput<unknown, unknown, unknown, unknown>,
  operation: string,
  decision: Decision,
  claim: Claim,
  p: Pipeline,
): Promise<void> {
  const { outcome } = decision;
  const { key } = claim;
  let committed = false;
  try {
    if (decision.latencyMs && !route.ownsLatency) await sleepUnlessGone(ctx, decision.latencyMs);
    if (callerGone(ctx)) {
      // The caller hung up (e.g. a cancelled activity aborted its request) before the effect: apply
      // nothing and free the key, so what the caller's compensation reads in the ledger stays true.
      claim.release();
      ctx.respond = false;
      logger.info({ operation, outcome }, 'caller hung up before the effect; nothing applied');
      return;
    }
    const business = p.chaos.businessError(operation, outcome);
    if (business) throw business;
    const status = route.status ?? 200;
    const answer = inGroup(p.db, (): { body: unknown } | { error: AppError } => {
      let result: unknown;
      try {
        result = route.handler(input);
      } catch (thrown) {
        // An error whose effect stands (a decline that keeps its failed PaymentIntent): commit both.
        if (!(thrown instanceof AppError && thrown.commit)) throw thrown;
        if (key !== undefined) p.idempotency.complete(key, thrown.status, errorBody(thrown));
        return { error: thrown };
      }
      if (result instanceof Promise) throw new Error(`handler of ${route.operationId} must be synchronous`);
      const parsed = route.response.parse(result);
      if (key !== undefined) p.idempotency.complete(key, status, parsed);
      return { body: parsed };
    });
    committed = true;
    if ('error' in answer) throw answer.error;
    const { body } = answer;
    if (outcome === 'commit_then_timeout') {
      await sleep(p.chaos.timeoutMs());
      throw timedOut();
    }
    ctx.status = status;
    ctx.body = body;
  } catch (thrown) {
    const err = toAppError(thrown);
    // A committed effect (commit_then_timeout) has its answer stored already; other failures,
    // including a business error under commit_then_timeout (nothing committed), store a definitive
    // answer, or free the key for a transient one.
    if (key !== undefined && !committed) {
      if (definitive(err.status)) p.idempotency.complete(key, err.status, errorBody(err));
      else claim.release();
    }
    throw err;
  }
}

/** True once the caller's connection closed before we answered. */
const callerGone = (ctx: Context): boolean => ctx.req.socket.destroyed || ctx.res.destroyed;

/** Sleeps `ms`, waking early when the caller hangs up. */
async function sleepUnlessGone(ctx: Context, ms: number): Promise<void> {
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  ctx.res.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: gone.signal });
  } catch {
    // woken by the caller hanging up
  } finally {
    ctx.res.off('close', onClose);
  }
}
