import type { Context } from 'koa';
import type { z } from 'zod';
import type { TokenScheme } from './auth.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
/** A route's path parameters: typed by its `params` schema, else koa-router's strings. */
type Params<P> = P extends z.ZodObject ? z.output<P> : Record<string, string>;

export interface RouteInput<B, Q, H = undefined, P = Record<string, string>> {
  body: B;
  query: Q;
  headers: H;
  params: P;
  ctx: Context;
}

/**
 * One route: the zod schemas that validate it are the ones its OpenAPI operation is generated from.
 * A route with `chaos` is a domain operation (a POST, or a GET such as a public-API stand-in): it
 * draws a chaos outcome, honours Idempotency-Key, and its handler must be synchronous, because it
 * runs in the same SQLite transaction that stores the idempotent answer.
 */
export interface RouteDef<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  R extends z.ZodType,
  H extends z.ZodObject | undefined = undefined,
  P extends z.ZodObject | undefined = undefined,
> {
  method: Method;
  /** koa-router path, e.g. `/payment/capture` or `/things/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  body?: B;
  /** The body is documented as form-encoded (Stripe's `/v1/` encoding; see the service's `formPrefix`). */
  form?: boolean;
  query?: Q;
  /** Path parameters (string fields): validated like the body, and documented from the same schema. */
  params?: P;
  /**
   * Request headers the route reads: validated like the query (400 naming the header) and documented
   * from the same schema. Keys are lower-case (node's `req.headers`); other headers pass through.
   */
  headers?: H;
  response: R;
  /** Success status (200 unless given). */
  status?: number;
  /** Other success statuses the handler may set, with the same response schema, and when. */
  otherSuccesses?: Record<number, string>;
  /** Documented error statuses and what they mean. */
  errors?: Record<number, string>;
  /** Needs ADMIN_TOKEN in every auth mode. */
  admin?: boolean;
  /**
   * Under AUTH=strict, only holders of SERVICE_TOKEN (the worker and the API) may call it. Defaults to
   * true for a domain write (a chaos POST), so every domain service gets the rule from the kernel; a
   * ledger read sets it.
   */
  service?: boolean;
  /**
   * The tokens the handler itself checks (any one of them), for the OpenAPI document: the API's
   * manager and customer tokens, whose rules need the resource (whose order it is).
   */
  security?: TokenScheme[];
  chaos?: string;
  /**
   * True for an input whose outcome the input itself fixes (Stripe's declining test cards): no chaos
   * outcome is drawn for it, the handler answers.
   */
  chaosExempt?: (input: RouteInput<Out<B>, Out<Q>, Out<H>, Params<P>>) => boolean;
  /**
   * The route runs its drawn chaos latency itself, as a job that outlives its caller (shipping's
   * label): the pipeline applies the effect without waiting first, and the handler reads the drawn
   * time from `ctx.state.chaos.latencyMs`.
   */
  ownsLatency?: boolean;
  handler: (input: RouteInput<Out<B>, Out<Q>, Out<H>, Params<P>>) => z.input<R> | Promise<z.input<R>>;
}

// The route list is heterogeneous; each definition was type-checked by `defineRoute`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Route = RouteDef<any, any, z.ZodType, any, any>;

/** A route's request schemas as the kernel reads them from the list: each one a zod schema, when given. */
export interface RouteSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodObject;
  params?: z.ZodObject;
}

export const defineRoute = <
  R extends z.ZodType,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
  P extends z.ZodObject | undefined = undefined,
>(
  def: RouteDef<B, Q, R, H, P>,
): Route => def;
