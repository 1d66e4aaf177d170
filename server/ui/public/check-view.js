// One check: its states per agent, its history as a timeline, and (with the
// admin token, when the server has silences) a button to silence it.
import { api, AuthError } from './api.js';
import {
  agentHref,
  ago,
  formatValue,
  gridTable,
  h,
  pendingNote,
  replace,
  since,
  statusBadge,
  STATUS_ORDER,
} from './dom.js';
import { askForSilence } from './dialogs.js';
import { checkLabel } from './overview.js';
import { timeline } from './timeline.js';

const TIMELINE_REFRESH_MS = 10_000;

export function checkView(namespace, name, { features, onError, askToken }) {
  const header = h('div', { class: 'page-head' });
  const history = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const states = h('div');
  const notice = h('p', { class: 'notice', role: 'status' });
  const root = h(
    'div',
    { class: 'check-page' },
    header,
    notice,
    h('section', null, h('h2', null, 'History, last 24 hours'), history),
    h('section', null, h('h2', null, 'State per agent'), states),
  );
  let timer = null;
  const refreshTimeline = () =>
    api
      .timeline(namespace, name)
      .then((doc) => replace(history, timeline(doc)))
      .catch(onError);

  async function silence(matchers, label) {
    const answer = await askForSilence(label);
    if (!answer) return;
    try {
      await api.post('/api/v1/silences', {
        matchers,
        duration: answer.duration,
        comment: answer.comment,
        createdBy: 'dashboard',
      });
      replace(notice, `Silenced ${label} for ${answer.duration}.`);
    } catch (error) {
      if (error instanceof AuthError) askToken();
      replace(notice, `Could not silence: ${error.message}`);
    }
  }

  const silenceButton = (matchers, label) =>
    features.silences
      ? h('button', { class: 'small', type: 'button', onclick: () => void silence(matchers, label) }, 'Silence…')
      : null;

  return {
    root,
    title: name,
    update(model, now) {
      const check = model.checks.find((c) => c.namespace === namespace && c.name === name);
      if (!check) {
        replace(header, h('h1', null, name), h('p', { class: 'muted' }, 'No such check (deleted?).'));
        return;
      }
      const label = checkLabel(check);
      replace(
        header,
        h('h1', null, label, ' ', silenceButton({ check: name, namespace }, label)),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Kind'),
          h('dd', null, check.kind),
          h('dt', null, 'Severity'),
          h('dd', null, check.severity),
          h('dt', null, 'Interval'),
          h('dd', null, check.interval ?? '30s (default)'),
        ),
      );
      const rows = [...check.states].sort(
        (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.agent.localeCompare(b.agent),
      );
      replace(
        states,
        rows.length === 0
          ? h('p', { class: 'muted' }, 'Pending: no agent has reported yet.')
          : gridTable(
              ['Agent', 'State', 'For', 'Value', 'Last result', 'Message', 'Pending', features.silences ? '' : null],
              rows.map((s) =>
                h(
                  'tr',
                  { class: `row-${s.status}`, dataset: { agent: s.agent } },
                  h('td', null, h('a', { href: agentHref(s.agent) }, s.agent)),
                  h('td', null, statusBadge(s.status)),
                  h('td', null, since(s.since, now)),
                  h('td', null, formatValue(check.kind, s.value)),
                  h('td', null, ago(s.lastResultAt, now)),
                  h('td', { class: 'message' }, s.message ?? ''),
                  h('td', null, s.pending ? pendingNote(s.pending) : ''),
                  features.silences
                    ? h('td', null, silenceButton({ check: name, namespace, agent: s.agent }, `${label} on ${s.agent}`))
                    : null,
                ),
              ),
            ),
      );
      if (!timer) {
        void refreshTimeline();
        timer = setInterval(refreshTimeline, TIMELINE_REFRESH_MS);
      }
    },
    dispose() {
      clearInterval(timer);
    },
  };
}
