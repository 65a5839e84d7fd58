/**
 * The scenario launcher: a chaos batch of N orders with no fault plan (the services' live chaos
 * decides every step), watched through the list API, then its scorecard — outcomes, why orders were
 * compensated, fulfilment times, two SVG charts — and the audit in plain words.
 */
import { useState } from 'preact/hooks';
import { call, html, loadConfig, orderPath, runId, sampleOrder } from './api.js';
import { NumberField, seconds, Table } from './ui.js';

const CREATE_CONCURRENCY = 4;
const POLL_MS = 1500;

/** Runs `fn` over `items`, `n` at a time. */
async function eachLimited(items, n, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Bars with labels: one row per [label, value], scaled to the largest. */
function BarChart({ title, rows, unit = '' }) {
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const rowH = 26;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 420 ${rows.length * rowH}`} role="img" aria-label=${title}>
      ${rows.map(
        ([label, v], i) =>
          html`<g transform=${`translate(0 ${i * rowH})`}>
            <text x="0" y="17" class="chart-label">${label}</text>
            <rect
              x="150"
              y="4"
              height="18"
              width=${(230 * v) / max}
              class=${`bar bar-${label.replace(/\W+/g, '-')}`}
            ></rect>
            <text x=${156 + (230 * v) / max} y="17">${v}${unit}</text>
          </g>`,
      )}
    </svg>
    <figcaption>${title}</figcaption>
  </figure>`;
}

/** Fulfilment times in 5 buckets from the fastest to the slowest. */
function timeBuckets(times) {
  if (times.length === 0) return [];
  const lo = times[0];
  const width = Math.max(1, (times.at(-1) - lo) / 5);
  const rows = Array.from({ length: 5 }, (_, i) => [`${seconds(lo + i * width)}–${seconds(lo + (i + 1) * width)}`, 0]);
  for (const t of times) rows[Math.min(4, Math.floor((t - lo) / width))][1]++;
  return rows;
}

function auditWords(audit, count) {
  if (!audit) return 'The audit could not be read.';
  if (audit.ok)
    return `The audit checked ${audit.checkedOrders} finished orders (this batch's ${count} among them): every captured payment matches a shipped order or a refund, and no stock was lost or double-counted — nothing leaked.`;
  return `The audit found ${audit.violations.length} violation(s) and ${audit.stuck.length} stuck order(s): ${audit.violations.map((v) => `${v.orderId ?? v.sku}: ${v.rule} (${v.detail})`).join('; ')}`;
}

// Sentences are built in JavaScript: htm drops whitespace that holds a line break, which Prettier may add.
const timesText = (times) =>
  `Fulfilment time (start → close) of ${times.length} finished orders: p50 ${seconds(percentile(times, 50))}, ` +
  `p95 ${seconds(percentile(times, 95))}, max ${seconds(times.at(-1))}.`;

function Scorecard({ run }) {
  const { orders, count, ms, audit, auditError, reasons } = run;
  const by = (s) => orders.filter((o) => o.status === s).length;
  const finished = orders.filter((o) => o.closeTime);
  const unfinished = count - finished.length - by('compensation_stuck');
  const outcomes = [
    ['shipped', by('shipped')],
    ['failed', by('failed')],
    ['cancelled', by('cancelled')],
    ['rejected', by('rejected')],
    ['stuck', by('compensation_stuck')],
    ['not finished', unfinished],
  ];
  const times = finished.map((o) => Date.parse(o.closeTime) - Date.parse(o.startTime)).sort((a, b) => a - b);
  return html`<section class="scorecard" aria-labelledby="scorecard-title">
    <h3 id="scorecard-title">Scorecard: ${count} orders in ${seconds(ms)}</h3>
    <${Table} class="outcomes" head=${[['Outcome'], ['Orders', true], ['Share', true]]}>
      ${outcomes.map(
        ([label, n]) =>
          html`<tr data-outcome=${label}>
            <td>${label}</td>
            <td class="num">${n}</td>
            <td class="num">${Math.round((100 * n) / count)}%</td>
          </tr>`,
      )}
    </${Table}>
    ${
      reasons.size > 0 &&
      html`<${Table} head=${[['Why compensated (step: cause)'], ['Orders', true]]}>
        ${[...reasons]
          .sort((a, b) => b[1] - a[1])
          .map(
            ([k, n]) =>
              html`<tr>
                <td>${k}</td>
                <td class="num">${n}</td>
              </tr>`,
          )}
      </${Table}>`
    }
    <p>${timesText(times)}</p>
    <div class="charts">
      <${BarChart} title="Outcomes (orders)" rows=${outcomes} />
      <${BarChart} title="Fulfilment times (orders per time range)" rows=${timeBuckets(times)} />
    </div>
    <p class=${`audit ${audit?.ok ? 'ok' : 'error'}`} role="status">
      ${auditError ? `The audit could not be read: ${auditError}` : auditWords(audit, count)}
    </p>
  </section>`;
}

export function Launcher() {
  const [count, setCount] = useState(10);
  const [waitSeconds, setWait] = useState(120);
  const [phase, setPhase] = useState();
  const [run, setRun] = useState();
  const start = async (e) => {
    e.preventDefault();
    const { terminalStatuses } = await loadConfig();
    const batch = runId();
    const customerId = `CUST-BATCH-${batch}`;
    const n = Number(count);
    const t0 = Date.now();
    setRun(undefined);
    setPhase(`Starting ${n} orders (customer ${customerId})…`);
    try {
      await eachLimited(
        Array.from({ length: n }, (_, i) => i + 1),
        CREATE_CONCURRENCY,
        (i) =>
          call('POST', '/api/v1/order', {
            body: sampleOrder(`ORD-BATCH-${batch}-${i}`, { customerId, quantity: 1 + (i % 3) }),
          }),
      );
      const deadline = t0 + Number(waitSeconds) * 1000;
      let orders = [];
      const done = (o) => terminalStatuses.includes(o.status) || o.status === 'compensation_stuck';
      while (Date.now() < deadline) {
        orders = (await call('GET', `/api/v1/orders?customerId=${customerId}&pageSize=100`)).orders;
        const finished = orders.filter(done).length;
        setPhase(`${finished} of ${n} orders finished…`);
        if (orders.length === n && finished === n) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const ms = Date.now() - t0;
      const reasons = new Map();
      await eachLimited(
        orders.filter((o) => o.status !== 'shipped' && done(o)),
        CREATE_CONCURRENCY,
        async (o) => {
          const f = (await call('GET', `${orderPath(o.workflowId)}/status`)).failure;
          const key = f ? `${f.step}: ${f.type ?? 'retries exhausted'}` : o.status;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        },
      );
      let audit;
      let auditError;
      try {
        audit = await call('GET', '/api/v1/audit');
      } catch (err) {
        auditError = err.message;
      }
      setRun({ orders, count: n, ms, audit, auditError, reasons });
      setPhase(undefined);
    } catch (err) {
      setPhase(`The batch stopped: ${err.message}`);
    }
  };
  return html`<section aria-labelledby="launcher-title">
    <h2 id="launcher-title">Scenario launcher</h2>
    <form class="launcher" onSubmit=${start}>
      <p>A chaos batch: N orders with no fault plan, so the services' live chaos (see Chaos) decides every step.</p>
      <${NumberField} label="Orders (N)" name="count" min="1" max="100" value=${count} onValue=${setCount} />
      <${NumberField} label="Wait at most (s)" name="wait" min="10" max="900" value=${waitSeconds} onValue=${setWait} />
      <button type="submit" disabled=${phase !== undefined && !phase.startsWith('The batch stopped')}>
        Run chaos batch
      </button>
    </form>
    <p role="status" class="notice">${phase ?? ''}</p>
    ${run && html`<${Scorecard} run=${run} />`}
  </section>`;
}
