/**
 * The chaos panel: per service and operation, the live outcome mix as sliders beside the outcomes
 * the service really served (its /stats), presets, and the change written through the admin API
 * (the API relays it with the admin token; the service's refusal is shown as it words it), or, in a
 * cluster (CONSOLE_CHAOS_WRITES=configmap), to the service's chaos ConfigMap by the API.
 */
import { useEffect, useState } from 'preact/hooks';
import { call, html, loadConfig } from './api.js';
import { act, Notice, usePoll } from './ui.js';

const POLL_MS = 3000;
const presets = ['off', 'default'];

/** The mix after one outcome is set to `value`%: the others share the rest in their old proportions. */
function setShare(weights, outcome, value) {
  const others = Object.keys(weights).filter((o) => o !== outcome);
  const rest = others.reduce((sum, o) => sum + weights[o], 0);
  const next = { [outcome]: value };
  // With nothing left to scale, the rest goes to the first other outcome (success, as services list them).
  for (const o of others) next[o] = rest > 0 ? ((100 - value) * weights[o]) / rest : o === others[0] ? 100 - value : 0;
  return next;
}

/** Every outcome of the operation with its share: the live mix names only those it draws. */
const allWeights = (outcomes, { weights }) => Object.fromEntries(outcomes.map((o) => [o, weights[o] ?? 0]));

/** The weights written: the zero ones left out (a mix names what it draws). */
const drawn = (weights) => Object.fromEntries(Object.entries(weights).filter(([, w]) => w > 0));

/** The full config the panel writes: every operation's mix and latency as overrides, so nothing else moves. */
const configFrom = (distribution, operations, timeoutMs) => ({
  profile: 'default',
  timeoutMs,
  retryAfterSeconds: distribution.retryAfterSeconds,
  overrides: Object.fromEntries(
    Object.entries(distribution.operations).map(([op, o]) => [
      op,
      { weights: drawn(operations[op] ?? o.weights), latency: o.latency },
    ]),
  ),
});

/** A preset changes the outcome mix only: each operation keeps its latency. */
const presetConfig = (distribution, profile, timeoutMs) => ({
  profile,
  timeoutMs,
  retryAfterSeconds: distribution.retryAfterSeconds,
  overrides: Object.fromEntries(Object.entries(distribution.operations).map(([op, o]) => [op, { latency: o.latency }])),
});

// Sentences are built in JavaScript: htm drops whitespace that holds a line break, which Prettier may add.
const describe = ({ profile, seeded, source }) =>
  `profile ${profile}${seeded ? ', seeded' : ''}; set by ${source.source} since ${new Date(source.since).toLocaleTimeString()}` +
  (source.lastError ? `; last refused: ${source.lastError.message}` : '');

function Operation({ domain, op, live, outcomes, draft, served, onChange }) {
  const weights = draft ?? allWeights(outcomes, live);
  const total = Object.values(served ?? {}).reduce((a, b) => a + b, 0);
  return html`<fieldset class="operation" data-operation=${op}>
    <legend>${op} <small>${total} served</small></legend>
    ${Object.entries(weights).map(([outcome, w]) => {
      const id = `w-${domain}-${op}-${outcome}`;
      const observed = total ? (100 * (served[outcome] ?? 0)) / total : undefined;
      return html`<div class="weight">
        <label for=${id}>${outcome}</label>
        <input
          id=${id}
          type="range"
          min="0"
          max="100"
          step="1"
          value=${Math.round(w)}
          aria-valuetext=${`${Math.round(w)}%`}
          onInput=${(e) => onChange(setShare(weights, outcome, Number(e.currentTarget.value)))}
        />
        <output for=${id}>${Math.round(w)}%</output>
        <span class="observed" title="Share of the outcomes served since the service started"
          >${observed === undefined ? '–' : `${observed.toFixed(0)}% seen`}</span
        >
      </div>`;
    })}
  </fieldset>`;
}

function Domain({ domain, data, reload }) {
  const [drafts, setDrafts] = useState({});
  const [timeoutMs, setTimeoutMs] = useState();
  const [notice, setNotice] = useState();
  if (data.error)
    return html`<section class="domain">
      <h3>${domain}</h3>
      <p class="notice error">${data.error}</p>
    </section>`;
  const { distribution, stats } = data;
  const timeout = timeoutMs ?? distribution.timeoutMs;
  const write = (what, config) =>
    act(setNotice, what, async () => {
      const res = await call('PUT', `/console/api/chaos/${domain}`, { body: config, token: 'admin' });
      setDrafts({});
      setTimeoutMs(undefined);
      reload();
      // In a cluster the change is a ConfigMap edit: the service applies it when its watch (or file) sees it.
      if (res?.written === 'configmap')
        return `${what}: written to ConfigMap ${res.namespace}/${res.configMap} (resourceVersion ${res.resourceVersion}); the service applies it when it sees the change.`;
    });
  return html`<section class="domain" aria-labelledby=${`chaos-${domain}`} data-domain=${domain}>
    <h3 id=${`chaos-${domain}`}>${domain}</h3>
    <p class="meta">${describe(distribution)}</p>
    <div class="buttons" role="group" aria-label=${`${domain} presets`}>
      ${presets.map((p) => html`<button onClick=${() => write(`Preset ${p} on ${domain}`, presetConfig(distribution, p, timeout))}>Preset: ${p}</button>`)}
    </div>
    <label
      >Timeout outcome answers after (ms)
      <input
        name=${`${domain}-timeout`}
        type="number"
        value=${timeout}
        onInput=${(e) => setTimeoutMs(Number(e.currentTarget.value))}
      />
    </label>
    ${Object.entries(distribution.operations).map(
      ([op, live]) =>
        html`<${Operation}
          domain=${domain}
          op=${op}
          live=${live}
          outcomes=${distribution.outcomes[op] ?? Object.keys(live.weights)}
          draft=${drafts[op]}
          served=${stats.outcomes[op]}
          onChange=${(w) => setDrafts({ ...drafts, [op]: w })}
        />`,
    )}
    <div class="buttons">
      <button onClick=${() => write(`Apply ${domain}`, configFrom(distribution, drafts, timeout))}>
        Apply ${domain}
      </button>
      <button
        onClick=${() => {
          setDrafts({});
          setTimeoutMs(undefined);
        }}
      >
        Discard changes
      </button>
    </div>
    <${Notice} notice=${notice} />
  </section>`;
}

/** Where a change goes (CONSOLE_CHAOS_WRITES), in a sentence. */
const whereText = (writes) =>
  writes === 'configmap'
    ? "Changes are written to each service's chaos ConfigMap, which the service applies when it sees the change."
    : "Changes go to each service's admin API and apply at once.";

export function ChaosPanel() {
  const overview = usePoll(() => call('GET', '/console/api/chaos'), POLL_MS, []);
  const [writes, setWrites] = useState();
  useEffect(() => {
    loadConfig().then(
      (c) => setWrites(c.chaosWrites),
      () => {},
    );
  }, []);
  return html`<section aria-labelledby="chaos-title">
    <h2 id="chaos-title">Chaos</h2>
    <p>
      Sliders set each outcome's share of an operation (the others keep their proportions); "seen" is what the service
      served since it started. Changes need the admin token.
    </p>
    ${writes && html`<p class="where">${whereText(writes)}</p>`}
    ${overview.error && html`<p class="notice error" role="alert">${overview.error.message}</p>`}
    <div class="domains">
      ${Object.entries(overview.value ?? {}).map(([domain, data]) => html`<${Domain} key=${domain} domain=${domain} data=${data} reload=${overview.reload} />`)}
    </div>
  </section>`;
}
