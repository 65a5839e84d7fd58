/**
 * The scenario launcher: any scenario of `make scenarios` that a browser can drive (the single-order
 * ones and the chaos batch of N orders), run by the API with the scenario CLI's own definitions. The
 * run streams its events here as it goes; then its scorecard — the scenario's checks, outcomes, why
 * orders were compensated, fulfilment times, two SVG charts — and the audit in plain words.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, html, stream } from './api.js';
import { NumberField, seconds, Table } from './ui.js';

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

/** Fulfilment times in 5 buckets from the fastest to the slowest (one bucket for a single order). */
function timeBuckets(times) {
  if (times.length === 0) return [];
  const lo = times[0];
  if (times.length === 1) return [[seconds(lo), 1]];
  const width = Math.max(1, (times.at(-1) - lo) / 5);
  const rows = Array.from({ length: 5 }, (_, i) => [`${seconds(lo + i * width)}–${seconds(lo + (i + 1) * width)}`, 0]);
  for (const t of times) rows[Math.min(4, Math.floor((t - lo) / width))][1]++;
  return rows;
}

// Sentences are built in JavaScript: htm drops whitespace that holds a line break, which Prettier may add.
function auditWords(audit, count) {
  if (audit.violations.length === 0 && audit.stuck.length === 0)
    return `The audit checked ${audit.checkedOrders} finished orders (this run's ${count} among them): every captured payment matches a shipped order or a refund, and no stock was lost or double-counted — nothing leaked.`;
  if (audit.violations.length === 0)
    return `The audit found no leaked money or stock in ${audit.checkedOrders} finished orders, but ${audit.stuck.length} order(s) wait for an operator (compensation_stuck): ${audit.stuck.join(', ')}.`;
  return `The audit found ${audit.violations.length} violation(s) and ${audit.stuck.length} stuck order(s): ${audit.violations.map((v) => `${v.orderId ?? v.sku}: ${v.rule} (${v.detail})`).join('; ')}`;
}

const timesText = (times) =>
  times.length === 0
    ? 'No order finished.'
    : `Fulfilment time (start → close) of ${times.length} finished order(s): p50 ${seconds(percentile(times, 50))}, ` +
      `p95 ${seconds(percentile(times, 95))}, max ${seconds(times.at(-1))}.`;

/** One line of a single order's run, as the scenario CLI prints it. */
function eventText(e) {
  if (e.kind === 'started') return `started workflow ${e.workflowId}`;
  if (e.kind === 'step') return `✓ ${e.step}`;
  if (e.kind === 'status')
    return `${e.status.replace('_', ' ')}${e.step ? ` (step ${e.step})` : ''}${e.failure ? ` — ${e.failure}` : ''}`;
  if (e.kind === 'compensation') return `↩ ${e.step}: ${e.outcome}`;
  if (e.kind === 'action') return `→ ${e.say}`;
  return `label ${e.percent}%`;
}

function Scorecard({ report }) {
  const { orders, ms, audit, checks, name, passed } = report;
  const count = orders.length;
  const by = (s) => orders.filter((o) => o.status === s).length;
  const outcomes = [
    ['shipped', by('shipped')],
    ['failed', by('failed')],
    ['cancelled', by('cancelled')],
    ['rejected', by('rejected')],
    ['stuck', by('compensation_stuck')],
    ['not finished', by('not finished')],
  ];
  const reasons = new Map();
  for (const o of orders) if (o.reason) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
  const times = orders
    .filter((o) => o.durationMs !== undefined && o.status !== 'not finished' && o.status !== 'compensation_stuck')
    .map((o) => o.durationMs)
    .sort((a, b) => a - b);
  const single = count === 1 ? orders[0] : undefined;
  return html`<section class="scorecard" aria-labelledby="scorecard-title" data-passed=${String(passed)}>
    <h3 id="scorecard-title">
      ${`Scorecard: ${name}, ${count} order${count === 1 ? '' : 's'} in ${seconds(ms)} — ${passed ? 'passed' : 'failed'}`}
    </h3>
    ${single && html`<p><a href=${`#/orders/${encodeURIComponent(single.workflowId)}`}>${`Order ${single.orderId}`}</a></p>`}
    <${Table} class="checks" head=${[['Expected'], ['Held'], ['Got']]}>
      ${checks.map(
        ([label, ok, detail]) =>
          html`<tr data-check=${label}>
            <td>${label}</td>
            <td class=${ok ? 'held' : 'not-held'}>${ok ? '✔ yes' : '✘ no'}</td>
            <td>${ok ? '' : (detail ?? '')}</td>
          </tr>`,
      )}
    </${Table}>
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
    <p class=${`audit ${audit.violations.length === 0 ? 'ok' : 'error'}`} role="status">${auditWords(audit, count)}</p>
  </section>`;
}

export function Launcher() {
  const [scenarios, setScenarios] = useState([]);
  const [name, setName] = useState('happy');
  const [orderId, setOrderId] = useState('');
  const [count, setCount] = useState(10);
  const [waitSeconds, setWait] = useState(300);
  const [running, setRunning] = useState(false);
  const [events, setEvents] = useState([]);
  const [phase, setPhase] = useState();
  const [report, setReport] = useState();
  useEffect(() => {
    call('GET', '/console/api/scenarios').then(setScenarios, (err) => setPhase({ error: true, text: err.message }));
  }, []);
  const chosen = scenarios.find((s) => s.name === name);

  const start = async (e) => {
    e.preventDefault();
    setRunning(true);
    setEvents([]);
    setReport(undefined);
    setPhase({ text: `Running ${name}…` });
    const body = {
      ...(chosen?.needs === 'orderId' && { orderId: orderId.trim() }),
      ...(chosen?.needs === 'count' && { count: Number(count), waitSeconds: Number(waitSeconds) }),
    };
    try {
      await stream('POST', `/console/api/scenarios/${name}`, { body }, (line) => {
        if (line.event) setEvents((list) => [...list, line.event]);
        if (line.progress) setPhase({ text: `${line.progress.settled} of ${line.progress.count} orders finished…` });
        if (line.report) {
          setReport(line.report);
          setPhase(undefined);
        }
        if (line.error) setPhase({ error: true, text: `The scenario stopped: ${line.error}` });
      });
    } catch (err) {
      setPhase({ error: true, text: `The scenario could not start: ${err.message}` });
    }
    setRunning(false);
  };

  return html`<section aria-labelledby="launcher-title">
    <h2 id="launcher-title">Scenario launcher</h2>
    <form class="launcher" onSubmit=${start}>
      <p>
        ${"The scenarios of make scenarios, run by the API as the manager (it needs the manager token): single orders whose fault plans force the outcome, or a chaos batch decided by the services' live chaos (see Chaos). The schedule, versioning and subscription scenarios run in a terminal only (make scenario-schedule, -versioning, -subscription): they start workers of their own or run for minutes."}
      </p>
      <div class="field">
        <label for="scenario-name">Scenario</label>
        <select id="scenario-name" name="scenario" value=${name} onChange=${(e) => setName(e.currentTarget.value)}>
          ${scenarios.map((s) => html`<option value=${s.name}>${s.short}</option>`)}
        </select>
      </div>
      ${chosen && html`<p class="hint">${chosen.title}</p>`}
      ${
        chosen?.needs === 'orderId' &&
        html`<label
          >Order id<input
            name="orderId"
            required
            maxlength="64"
            value=${orderId}
            onInput=${(e) => setOrderId(e.currentTarget.value)}
        /></label>`
      }
      ${
        chosen?.needs === 'count' &&
        html`<${NumberField} label="Orders (N)" name="count" min="1" max="100" value=${count} onValue=${setCount} />
          <${NumberField}
            label="Wait at most (s)"
            name="wait"
            min="10"
            max="900"
            value=${waitSeconds}
            onValue=${setWait}
          />`
      }
      <button type="submit" disabled=${running || !chosen}>Run scenario</button>
    </form>
    <p role=${phase?.error ? 'alert' : 'status'} class=${`notice ${phase?.error ? 'error' : ''}`}>
      ${phase?.text ?? ''}
    </p>
    ${
      events.length > 0 &&
      html`<ol class="run-events" aria-label="What the scenario did">
        ${events
          .filter((e, i) => e.kind !== 'progress' || events[i + 1]?.kind !== 'progress')
          .map(
            (e) => html`<li data-kind=${e.kind}><span class="at">${`+${seconds(e.atMs)}`}</span> ${eventText(e)}</li>`,
          )}
      </ol>`
    }
    ${report && html`<${Scorecard} report=${report} />`}
  </section>`;
}
