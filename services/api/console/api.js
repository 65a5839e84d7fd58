/**
 * The console's calls: the API's REST endpoints and the console's own (/console/api/), with the
 * tokens the user pasted (kept in sessionStorage: gone when the tab closes).
 */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

const tokenKeys = { manager: 'console.managerToken', customer: 'console.customerToken', admin: 'console.adminToken' };
export const getToken = (kind) => sessionStorage.getItem(tokenKeys[kind]) ?? '';
export const setToken = (kind, value) =>
  value ? sessionStorage.setItem(tokenKeys[kind], value) : sessionStorage.removeItem(tokenKeys[kind]);

/** A failed call: the API's error message (SPEC §3.1 body) and its HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** One request with a JSON body and the bearer `token` names (manager, customer, admin; a list: the first one set). */
function request(method, path, { body, token = 'manager' } = {}) {
  const bearer = [token].flat().map(getToken).find(Boolean);
  return fetch(path, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(bearer && { authorization: `Bearer ${bearer}` }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const json = async (res) => {
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
};

/** One JSON call: its answer, or an ApiError. */
export async function call(method, path, options) {
  const res = await request(method, path, options);
  const body = await json(res);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** A call whose answer streams a JSON object a line (NDJSON): `onLine` gets each one as it comes. */
export async function stream(method, path, options, onLine) {
  const res = await request(method, path, options);
  if (!res.ok) throw new ApiError(res.status, await json(res));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (buffered + value).split('\n');
    buffered = lines.pop();
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
  }
}

let config;
/** The console's settings and the kernel's constants (list statuses, steps, activities), fetched once. */
export const loadConfig = async () => (config ??= await call('GET', '/console/api/config'));

export const orderPath = (workflowId) => `/api/v1/order/${encodeURIComponent(workflowId)}`;

/** The README's sample order (2 × ITEM-001 at 29.99), with what the form changes. */
export function sampleOrder(orderId, { customerId, quantity = 2, requiresApproval = false }) {
  const price = 29.99;
  return {
    orderId,
    customerId,
    items: [{ sku: 'ITEM-001', quantity, price }],
    totalAmount: Math.round(price * 100 * quantity) / 100,
    shippingAddress: { street: '123 Main St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    customerEmail: 'test@example.com',
    requiresApproval,
  };
}

/** A short unique suffix for order ids made here. */
export const runId = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.toUpperCase();
