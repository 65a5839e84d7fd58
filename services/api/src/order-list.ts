/**
 * Listing orders through the search attributes (Temporal visibility), one page at a time behind
 * page tokens bound to the listing's filters, or every order the auditor judges.
 */
import { createHash } from 'node:crypto';
import {
  badRequest,
  orderStatuses,
  searchAttributeValues,
  terminalStatuses,
  visibilityStatus,
} from '@fake-stripe/kernel';
import type { AppError, OrderStatus, VisibilityStatus } from '@fake-stripe/kernel';
import { ORDER_WORKFLOW } from '@fake-stripe/kernel/workflow-definitions';
import type { z } from 'zod';
import type { listOrdersQuery, listOrdersResponse } from './schemas.ts';
import { decodePayload, grpcCode, isoTime } from './temporal.ts';
import type { Temporal } from './temporal.ts';

export type OrderSummary = z.input<typeof listOrdersResponse>['orders'][number];
type Page = { orders: OrderSummary[]; nextPageToken: string | null };

/** Orders whose state the auditor judges, and those parked for an operator. */
const auditedStatuses: readonly VisibilityStatus[] = [...terminalStatuses, 'compensation_stuck'];

/** A Temporal visibility string literal: quotes and backslashes escaped. */
export const visibilityLiteral = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * The visibility clause of orders in visibility statuses: `in_progress` also matches the step
 * statuses that orders started before the coarse statuses still show.
 */
export const orderStatusClause = (...statuses: VisibilityStatus[]): string =>
  `OrderStatus IN (${statuses.flatMap(searchAttributeValues).map(visibilityLiteral).join(', ')})`;

/** A listed order's visibility status: a step status (an order started before the coarse statuses) is `in_progress`. */
const listedStatus = (value: string | null): VisibilityStatus | null =>
  value !== null && (orderStatuses as readonly string[]).includes(value)
    ? visibilityStatus(value as OrderStatus)
    : null;

/**
 * Page tokens: Temporal's token, base64url, behind a digest that binds it to the listing's query. The
 * dev server answers a foreign token with UNKNOWN (which the client retries until its deadline), so a
 * token is checked here first: one we did not hand out for these filters is a 400.
 */
const tokenDigest = (query: string, raw: Buffer): string =>
  createHash('sha256').update(query).update('\0').update(raw).digest('base64url').slice(0, 16);
export const encodePageToken = (query: string, raw: Buffer): string =>
  `${tokenDigest(query, raw)}.${raw.toString('base64url')}`;
const badPageToken = (): AppError =>
  badRequest(
    'parameter_invalid',
    'Invalid query field pageToken: not a nextPageToken of this listing (with these filters).',
    'pageToken',
  );
export function decodePageToken(query: string, token: string): Buffer {
  const [digest, encoded, ...rest] = token.split('.');
  if (!digest || !encoded || rest.length > 0) throw badPageToken();
  const raw = Buffer.from(encoded, 'base64url');
  if (tokenDigest(query, raw) !== digest) throw badPageToken();
  return raw;
}

/** One page of orders through the search attributes. */
export function listOrders(t: Temporal, q: z.output<typeof listOrdersQuery>): Promise<Page> {
  const clauses = [`WorkflowType = '${ORDER_WORKFLOW}'`];
  if (q.status) clauses.push(orderStatusClause(q.status));
  if (q.customerId) clauses.push(`CustomerId = ${visibilityLiteral(q.customerId)}`);
  return listPage(t, clauses.join(' AND '), q.pageSize, q.pageToken);
}

/** Every order the auditor judges (terminal or stuck), through every page. */
export async function listAuditedOrders(t: Temporal): Promise<OrderSummary[]> {
  const query = `WorkflowType = '${ORDER_WORKFLOW}' AND ${orderStatusClause(...auditedStatuses)}`;
  const all: OrderSummary[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(t, query, 1000, token);
    all.push(...page.orders);
    token = page.nextPageToken ?? undefined;
  } while (token);
  return all;
}

async function listPage(t: Temporal, query: string, pageSize: number, pageToken: string | undefined): Promise<Page> {
  const { executions, nextPageToken } = await listExecutions(t, query, pageSize, pageToken);
  return { orders: executions.map(orderSummary), nextPageToken };
}

/** One page of workflow executions matching a visibility query, behind this module's page tokens. */
export async function listExecutions(
  { client, call }: Temporal,
  query: string,
  pageSize: number,
  pageToken: string | undefined,
): Promise<{ executions: Execution[]; nextPageToken: string | null }> {
  const res = await call(undefined, () =>
    client.workflowService
      .listWorkflowExecutions({
        namespace: client.options.namespace,
        query,
        pageSize,
        ...(pageToken && { nextPageToken: decodePageToken(query, pageToken) }),
      })
      .catch((err: unknown) => {
        if (pageToken && grpcCode(err) === 3) throw badPageToken();
        throw err;
      }),
  );
  const next =
    res.nextPageToken && res.nextPageToken.length > 0 ? encodePageToken(query, Buffer.from(res.nextPageToken)) : null;
  return { executions: res.executions ?? [], nextPageToken: next };
}

export type Execution = NonNullable<
  Awaited<ReturnType<Temporal['client']['workflowService']['listWorkflowExecutions']>>['executions']
>[number];

/** A search attribute of a listed execution (a keyword list's first value). */
export function searchAttribute(info: Execution, name: string): unknown {
  const value = decodePayload<unknown>(info.searchAttributes?.indexedFields?.[name]);
  return Array.isArray(value) ? value[0] : value;
}

function orderSummary(info: Execution): OrderSummary {
  const attribute = (name: string): unknown => searchAttribute(info, name);
  const text = (name: string): string | null => {
    const v = attribute(name);
    return typeof v === 'string' ? v : null;
  };
  const amount = attribute('TotalAmount');
  return {
    workflowId: info.execution?.workflowId ?? '',
    orderId: text('OrderId'),
    customerId: text('CustomerId'),
    status: listedStatus(text('OrderStatus')),
    totalAmount: typeof amount === 'number' ? amount : null,
    startTime: isoTime(info.startTime),
    closeTime: isoTime(info.closeTime),
  };
}
