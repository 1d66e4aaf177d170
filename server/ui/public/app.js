// The dashboard: a hash router over three views, fed by one poll of
// /api/v1/overview every 2 s (the views that need history fetch it themselves).
import { agentView } from './agent-view.js';
import { api, AuthError, token } from './api.js';
import { checkView } from './check-view.js';
import { askForToken } from './dialogs.js';
import { h, replace } from './dom.js';
import { buildModel } from './model.js';
import { overviewView } from './overview.js';

const POLL_MS = 2000;
const main = document.getElementById('view');
const summary = document.getElementById('summary');
const live = document.getElementById('live');
const tokenButton = document.getElementById('token-button');

let features = { silences: false };
let view = null;
let model = null;
let clockOffset = 0; // server time minus this browser's, so "12 s ago" is the server's 12 s
let asking = null;
let timer = null;

const serverNow = () => Date.now() + clockOffset;

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const context = {
    features,
    onError: showError,
    askToken: () => void ensureToken('The admin token is needed for this.'),
  };
  if (parts[0] === 'agents' && parts[1]) return agentView(parts[1], showError);
  if (parts[0] === 'checks' && parts[1] && parts[2]) return checkView(parts[1], parts[2], context);
  return overviewView();
}

function mount() {
  view?.dispose();
  view = route();
  document.title = `${view.title} · vilicus`;
  replace(main, view.root);
  if (model) view.update(model, serverNow());
}

function render() {
  const { counts, agentCounts } = model;
  replace(
    summary,
    h('span', { class: 'pill' }, `${agentCounts.up} up`),
    agentCounts.missing ? h('span', { class: 'pill st-UNKNOWN' }, `${agentCounts.missing} missing`) : null,
    ...['CRITICAL', 'WARNING', 'UNKNOWN', 'OK'].map((s) =>
      counts[s] ? h('span', { class: `pill st-${s}` }, `${counts[s]} ${s}`) : null,
    ),
    model.pending.length ? h('span', { class: 'pill st-PENDING' }, `${model.pending.length} pending`) : null,
  );
  view.update(model, serverNow());
  if (document.body.dataset.ready !== 'true') {
    performance.mark('vilicus:first-render');
    document.body.dataset.ready = 'true';
  }
}

function showError(error) {
  if (error instanceof AuthError) return void ensureToken('The server asks for the admin token to show the dashboard.');
  live.className = 'live offline';
  live.textContent = `Offline: ${error.message}`;
}

async function ensureToken(reason) {
  asking ??= askForToken(reason).then((value) => {
    asking = null;
    if (value) token.set(value);
    updateTokenButton();
    if (value) void poll();
  });
  return asking;
}

function updateTokenButton() {
  tokenButton.textContent = token.get() ? 'Forget token' : 'Admin token';
}

async function poll() {
  clearTimeout(timer);
  try {
    const data = await api.overview();
    clockOffset = Date.parse(data.generatedAt) - Date.now();
    model = buildModel(data);
    render();
    live.className = 'live';
    live.textContent = 'Live';
    live.title = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    showError(error);
    if (error instanceof AuthError) return; // resumes once a token is given
  }
  timer = setTimeout(() => void poll(), document.hidden ? POLL_MS * 5 : POLL_MS);
}

tokenButton.addEventListener('click', () => {
  if (token.get()) {
    token.clear();
    updateTokenButton();
    void poll();
  } else void ensureToken('Paste the admin token (vilicus keeps it in this tab only).');
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void poll();
});
window.addEventListener('hashchange', mount);

function detectFeatures() {
  api
    .features()
    .then((found) => {
      features = found;
      if (found.silences && location.hash.startsWith('#/checks/')) mount(); // its buttons show only now
    })
    .catch(() => {});
}

updateTokenButton();
mount();
// The OpenAPI document is large to build: ask for it after the first render, not alongside it.
void poll().then(detectFeatures);
