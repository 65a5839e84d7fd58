/**
 * One order: its saga as a timeline (steps, attempts, the label's progress, compensations, the
 * failure), links to Temporal and Jaeger, and the actions its status allows with the right token.
 */
import { useState } from 'preact/hooks';
import { call, html, loadConfig, orderPath } from './api.js';
import { act, Notice, StatusBadge, usePoll } from './ui.js';

/** The activity each forward step runs (compensations are named as their activities). */
const stepActivity = {
  authorize: 'authorizePayment',
  reserve: 'reserveInventory',
  capture: 'capturePayment',
  ship: 'createShippingLabel',
  notify: 'sendNotification',
};

/** Statuses after which no forward step runs any more (the saga ended or is undoing its steps). */
const undoing = ['compensating', 'compensation_stuck'];

/** A step's state; one never run is `skipped` once a later step ran or the forward path is over. */
function stepState(step, order, steps, over) {
  if (order.completedSteps.includes(step)) return 'done';
  if (order.failure?.step === step) return 'failed';
  if (order.currentStep === step) return 'running';
  const later = steps.slice(steps.indexOf(step) + 1);
  const passed = later.some((s) => order.completedSteps.includes(s) || order.currentStep === s);
  return over || passed ? 'skipped' : 'pending';
}

// Sentences are built in JavaScript: htm drops whitespace that holds a line break, which Prettier may add.
const approvalText = (a) =>
  `${a.approved ? 'approved' : 'rejected'} by ${a.by ?? '?'}${a.timedOut ? ' (timed out)' : ''}${a.reason ? `: ${a.reason}` : ''}`;

const Attempts = ({ run }) =>
  run
    ? html`<span class="attempts"
        >${run.attempt === 1 ? '1 attempt' : `${run.attempt} attempts`}${
          run.state === 'failed' || run.state === 'timed_out' ? ` (last ${run.state.replace('_', ' ')})` : ''
        }</span
      >`
    : '';

function Timeline({ order, runs, steps, compensationSteps, terminal }) {
  const lastRun = (activity) => runs.filter((r) => r.activity === activity).at(-1);
  // A compensation the order has no record of yet: still retrying (or parked, when compensation_stuck).
  const recorded = new Set(order.compensations.map((c) => c.step));
  const inFlight = compensationSteps.filter((s) => !recorded.has(s)).flatMap((s) => lastRun(s) ?? []);
  return html`<ol class="timeline" aria-label="Saga steps">
      ${steps.map((step) => {
        const state = stepState(step, order, steps, terminal || undoing.includes(order.status));
        const showProgress = step === 'ship' && state === 'running';
        return html`<li class=${`step ${state}`} data-step=${step}>
          <span class="step-name">${step}</span>
          <span class="step-state">${state}</span>
          <${Attempts} run=${lastRun(stepActivity[step])} />
          ${
            showProgress &&
            html`<label class="progress"
              >label
              <progress max="100" value=${order.currentStepProgress}></progress>
              ${Math.round(order.currentStepProgress)}%</label
            >`
          }
          ${step === 'approval' && order.approval && html`<span class="detail">${approvalText(order.approval)}</span>`}
          ${step === 'ship' && order.trackingNumber && html`<span class="detail">tracking ${order.trackingNumber}</span>`}
          ${state === 'failed' && html`<span class="detail error">${order.failure.type ?? ''} ${order.failure.message}</span>`}
        </li>`;
      })}
    </ol>
    ${
      (order.compensations.length > 0 || inFlight.length > 0) &&
      html`<h3>Compensations</h3>
        <ol class="timeline compensations" aria-label="Compensations">
          ${order.compensations.map(
            (c) =>
              html`<li class=${`step ${c.error ? 'failed' : 'done'}`} data-compensation=${c.step}>
                <span class="step-name">${c.step}</span>
                <span class="step-state">${c.outcome}</span>
                <${Attempts} run=${lastRun(c.step)} />
                ${c.error && html`<span class="detail error">${c.error}</span>`}
              </li>`,
          )}
          ${inFlight.map(
            (r) =>
              html`<li class="step running" data-compensation=${r.activity}>
                <span class="step-name">${r.activity}</span>
                <span class="step-state">not finished</span>
                <${Attempts} run=${r} />
                ${r.failure && html`<span class="detail error">${r.failure}</span>`}
              </li>`,
          )}
        </ol>`
    }`;
}

function Actions({ workflowId, order, reload }) {
  const [notice, setNotice] = useState();
  const [reason, setReason] = useState('');
  const [cancelAs, setCancelAs] = useState('manager');
  const post = (what, verb, body, token) =>
    act(setNotice, what, async () => {
      await call('POST', `${orderPath(workflowId)}/${verb}`, { body, token });
      reload();
    });
  const withReason = reason.trim() ? { reason: reason.trim() } : undefined;
  const status = order.status;
  return html`<section class="actions" aria-labelledby="actions-title">
    <h3 id="actions-title">Actions</h3>
    <label
      >Reason or note <input name="reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}
    /></label>
    ${
      status === 'awaiting_approval' &&
      html`<div class="buttons">
        <button onClick=${() => post('Approve', 'approve', withReason)}>Approve</button>
        <button onClick=${() => post('Reject', 'reject', withReason)}>Reject</button>
      </div>`
    }
    ${
      status === 'compensation_stuck' &&
      html`<div class="buttons">
        <button onClick=${() => post('Retry the compensation', 'operator', { action: 'retry' })}>
          Retry compensation
        </button>
        <button
          onClick=${() => post('Resolve by hand', 'operator', { action: 'resolve', ...(reason.trim() && { note: reason.trim() }) })}
        >
          Resolve by hand
        </button>
      </div>`
    }
    ${
      !undoing.includes(status) &&
      html`<div class="buttons">
        <label
          >Cancel as
          <select name="cancelAs" value=${cancelAs} onChange=${(e) => setCancelAs(e.currentTarget.value)}>
            <option value="manager">manager</option>
            <option value="customer">customer</option>
          </select>
        </label>
        <button onClick=${() => post('Cancel', 'cancel', withReason, cancelAs)}>Cancel order</button>
      </div>`
    }
    <${Notice} notice=${notice} />
  </section>`;
}

export function OrderPage({ workflowId }) {
  const config = usePoll(loadConfig, 60_000, []);
  const state = usePoll(
    async () => {
      const [order, history] = await Promise.all([
        call('GET', `${orderPath(workflowId)}/status`, { token: ['manager', 'customer'] }),
        call('GET', `/console/api/orders/${encodeURIComponent(workflowId)}/activities`, {
          token: ['manager', 'customer'],
        }),
      ]);
      return { order, runs: history.activities };
    },
    1000,
    [workflowId],
  );
  const c = config.value;
  const order = state.value?.order;
  const terminal = order && c?.terminalStatuses.includes(order.status);
  const jaegerTags = encodeURIComponent(JSON.stringify({ temporalWorkflowId: workflowId }));
  return html`<section aria-labelledby="order-title">
    <p><a href="#/orders">← Orders</a></p>
    <h2 id="order-title">
      ${order?.orderId ?? workflowId} ${order && html`<${StatusBadge} status=${order.status} />`}
    </h2>
    ${
      c &&
      html`<p class="links">
        <a
          href=${`${c.temporalUiUrl}/namespaces/${c.namespace}/workflows/${encodeURIComponent(workflowId)}`}
          target="_blank"
          rel="noopener"
          >Execution in the Temporal UI</a
        >
        <a href=${`${c.jaegerUrl}/search?service=worker&tags=${jaegerTags}`} target="_blank" rel="noopener"
          >Trace in Jaeger</a
        >
      </p>`
    }
    ${state.error && html`<p class="notice error" role="alert">Cannot read the order: ${state.error.message}</p>`}
    ${
      order &&
      c &&
      html`<p>
          Progress
          <progress max="100" value=${order.progress} aria-label="Overall progress"></progress>
          ${Math.round(order.progress)}%
        </p>
        ${order.failure && html`<p class="notice error">Failed at ${order.failure.step}: ${order.failure.type ?? ''} ${order.failure.message}</p>`}
        <${Timeline}
          order=${order}
          runs=${state.value.runs}
          steps=${c.orderSteps}
          compensationSteps=${c.compensationSteps}
          terminal=${terminal}
        />
        ${!terminal && html`<${Actions} workflowId=${workflowId} order=${order} reload=${state.reload} />`}`
    }
  </section>`;
}
