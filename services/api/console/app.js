/** The console's shell: navigation by the URL's hash, the tokens panel, and the page shown. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getToken, html, setToken } from './api.js';
import { Board } from './board.js';
import { ChaosPanel } from './chaos.js';
import { Launcher } from './launcher.js';
import { OrderPage } from './order.js';

const pages = [
  ['#/orders', 'Orders'],
  ['#/chaos', 'Chaos'],
  ['#/launcher', 'Scenario launcher'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/orders');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/orders');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function Tokens() {
  const field = (kind, label, hint) => html`
    <label>
      ${label}
      <input
        type="password"
        autocomplete="off"
        name=${kind}
        value=${getToken(kind)}
        onChange=${(e) => setToken(kind, e.currentTarget.value.trim())}
      />
      <small>${hint}</small>
    </label>
  `;
  return html`<details class="tokens">
    <summary>Tokens</summary>
    <p>Kept in this tab only (sessionStorage). Each action sends the token it needs.</p>
    ${field('manager', 'Manager token', 'approve, reject, cancel, operator, audit')}
    ${field('customer', 'Customer token', "cancel of the customer's own order")}
    ${field('admin', 'Admin token', 'chaos changes')}
  </details>`;
}

function Page({ hash }) {
  const order = hash.match(/^#\/orders\/(.+)$/);
  if (order) return html`<${OrderPage} workflowId=${decodeURIComponent(order[1])} />`;
  if (hash === '#/chaos') return html`<${ChaosPanel} />`;
  if (hash === '#/launcher') return html`<${Launcher} />`;
  return html`<${Board} />`;
}

function App() {
  const hash = useHash();
  const current = pages.find(([href]) => hash.startsWith(href))?.[0];
  return html`
    <header>
      <h1><a href="#/orders">Fake Stripe console</a></h1>
      <nav aria-label="Pages">
        ${pages.map(
          ([href, label]) => html`<a href=${href} aria-current=${href === current ? 'page' : undefined}>${label}</a>`,
        )}
      </nav>
      <${Tokens} />
    </header>
    <main><${Page} hash=${hash} /></main>
  `;
}

const root = document.getElementById('app');
root.textContent = ''; // the loading line: Preact renders beside what a container holds
render(html`<${App} />`, root);
