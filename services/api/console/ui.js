/** What the pages share: polling, a status badge, the message line of an action. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './api.js';

/**
 * Calls `load` now and every `ms` while the page is shown; `deps` restart it. Returns the last value,
 * the last error (cleared by a success) and a function that loads again at once.
 */
export function usePoll(load, ms, deps) {
  const [state, setState] = useState({ value: undefined, error: undefined });
  const tick = useRef(() => {});
  useEffect(() => {
    let stopped = false;
    let timer;
    const run = async () => {
      clearTimeout(timer);
      try {
        const value = await load();
        if (!stopped) setState({ value, error: undefined });
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error }));
      }
      if (!stopped) timer = setTimeout(run, ms);
    };
    tick.current = run;
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return { ...state, reload: () => tick.current() };
}

export const StatusBadge = ({ status }) =>
  html`<span class=${`badge status-${status ?? 'unknown'}`}>${(status ?? 'unknown').replace('_', ' ')}</span>`;

/** The outcome of the last action: read out by screen readers (a live region). */
export const Notice = ({ notice }) =>
  html`<p class=${`notice ${notice?.error ? 'error' : 'ok'}`} role=${notice?.error ? 'alert' : 'status'}>
    ${notice?.text ?? ''}
  </p>`;

/** Runs an action, turning its result (the sentence `fn` resolves to, else "done") or error into a notice. */
export async function act(setNotice, what, fn) {
  setNotice({ text: `${what}…` });
  try {
    const said = await fn();
    setNotice({ text: said ?? `${what}: done.` });
  } catch (err) {
    setNotice({ error: true, text: `${what} refused: ${err.message}` });
  }
}

export const seconds = (ms) => (ms === undefined || Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** A table in a box that scrolls sideways on a narrow window; `head` lists [label, numeric?] pairs. */
export const Table = ({ head, caption, children, ...props }) =>
  html`<div class="table-wrap">
    <table ...${props}>
      ${
        caption &&
        html`<caption>
          ${caption}
        </caption>`
      }
      <thead>
        <tr>
          ${head.map(([label, numeric]) => html`<th scope="col" class=${numeric ? 'num' : undefined}>${label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${children}
      </tbody>
    </table>
  </div>`;

/** A labelled number input; `onValue`, when given, gets each typed value as a string. */
export const NumberField = ({ label, onValue, ...input }) =>
  html`<label
    >${label}<input type="number" ...${input} onInput=${onValue && ((e) => onValue(e.currentTarget.value))}
  /></label>`;
