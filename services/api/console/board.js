/** The orders board: every order by status from the list API, polled, filtered; and a new order. */
import { useState } from 'preact/hooks';
import { call, html, loadConfig, runId, sampleOrder } from './api.js';
import { act, Notice, NumberField, StatusBadge, Table, usePoll } from './ui.js';

const POLL_MS = 2000;

/** The form is uncontrolled (its values read at submit): a re-render never races the user's input. */
function NewOrder() {
  const [notice, setNotice] = useState();
  const submit = (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const orderId = `ORD-CONSOLE-${runId()}`;
    const order = sampleOrder(orderId, {
      customerId: String(form.get('customerId')).trim(),
      quantity: Number(form.get('quantity')),
      requiresApproval: form.get('requiresApproval') === 'on',
    });
    void act(setNotice, `Create ${orderId}`, async () => {
      const started = await call('POST', '/api/v1/order', { body: order, token: ['customer', 'manager'] });
      location.hash = `#/orders/${encodeURIComponent(started.workflowId)}`;
    });
  };
  return html`<form class="new-order" onSubmit=${submit} aria-labelledby="new-order-title">
    <h2 id="new-order-title">New order</h2>
    <label>Customer <input name="customerId" defaultValue="CUST-001" required /></label>
    <${NumberField} label="Quantity of ITEM-001 (29.99)" name="quantity" min="1" max="100" defaultValue="2" />
    <label class="check"><input name="requiresApproval" type="checkbox" /> Requires a manager's approval</label>
    <button type="submit">Create order</button>
    <${Notice} notice=${notice} />
  </form>`;
}

export function Board() {
  const [status, setStatus] = useState('');
  const [customerId, setCustomerId] = useState('');
  const config = usePoll(loadConfig, 60_000, []);
  const list = usePoll(
    () => {
      const q = new URLSearchParams({ pageSize: '100' });
      if (status) q.set('status', status);
      if (customerId.trim()) q.set('customerId', customerId.trim());
      return call('GET', `/api/v1/orders?${q}`);
    },
    POLL_MS,
    [status, customerId],
  );
  const orders = list.value?.orders ?? [];
  const counts = new Map();
  for (const o of orders) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  return html`
    <section aria-labelledby="board-title">
      <h2 id="board-title">Orders</h2>
      <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
        <label
          >Filter by status
          <select name="status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            ${(config.value?.visibilityStatuses ?? []).map((s) => html`<option value=${s}>${s}</option>`)}
          </select>
        </label>
        <label
          >Filter by customer
          <input
            name="customer"
            placeholder="CUST-001"
            value=${customerId}
            onInput=${(e) => setCustomerId(e.currentTarget.value)}
        /></label>
      </form>
      <ul class="counts" aria-label="Orders by status">
        ${[...counts].map(([s, n]) => html`<li><${StatusBadge} status=${s} /> ${n}</li>`)}
      </ul>
      ${list.error && html`<p class="notice error" role="alert">Cannot list orders: ${list.error.message}</p>`}
      <${Table}
        class="orders"
        caption=${`Newest first; refreshed every ${POLL_MS / 1000} s (the list is eventually consistent).`}
        head=${[['Order'], ['Customer'], ['Status'], ['Amount', true], ['Started'], ['Closed']]}
      >
        ${orders.map(
          (o) =>
            html`<tr data-order=${o.orderId}>
              <td><a href=${`#/orders/${encodeURIComponent(o.workflowId)}`}>${o.orderId ?? o.workflowId}</a></td>
              <td>${o.customerId}</td>
              <td><${StatusBadge} status=${o.status} /></td>
              <td class="num">${o.totalAmount?.toFixed(2)}</td>
              <td>${o.startTime && new Date(o.startTime).toLocaleTimeString()}</td>
              <td>${o.closeTime && new Date(o.closeTime).toLocaleTimeString()}</td>
            </tr>`,
        )}
      </${Table}>
      ${list.value && orders.length === 0 && html`<p>No orders match.</p>`}
    </section>
    <${NewOrder} />
  `;
}
