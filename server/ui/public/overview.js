// The front page: what is wrong now, every agent, every check's state per agent.
import {
  agentHref,
  ago,
  checkHref,
  formatValue,
  gridTable,
  h,
  pendingNote,
  replace,
  since,
  statusBadge,
  STATUS_ORDER,
} from './dom.js';
import { isFailing, latestCpu } from './model.js';

export function overviewView() {
  const root = h('div', { class: 'overview' });
  return {
    root,
    title: 'Overview',
    update(model, now) {
      replace(
        root,
        problemsSection(model, now),
        pendingSection(model),
        agentsSection(model, now),
        checksSection(model),
      );
    },
    dispose() {},
  };
}

function problemsSection(model, now) {
  const rows = [...model.problems].sort(
    (a, b) => STATUS_ORDER[a.state.status] - STATUS_ORDER[b.state.status] || a.state.since.localeCompare(b.state.since),
  );
  const body = rows.length
    ? gridTable(
        ['State', 'Check', 'Agent', 'For', 'Message'],
        rows.slice(0, 200).map(({ check, state }) =>
          h(
            'tr',
            {
              class: `row-${state.status}`,
              dataset: { check: `${check.namespace}/${check.name}`, agent: state.agent },
            },
            h('td', null, statusBadge(state.status)),
            h('td', null, h('a', { href: checkHref(check.namespace, check.name) }, checkLabel(check))),
            h('td', null, h('a', { href: agentHref(state.agent) }, state.agent)),
            h('td', null, since(state.since, now)),
            h('td', { class: 'message' }, state.message ?? ''),
          ),
        ),
      )
    : h(
        'p',
        { class: 'all-ok' },
        model.checks.length ? 'Every check is OK.' : 'No checks yet: vilicus apply -f examples/checks/',
      );
  const more = rows.length > 200 ? h('p', { class: 'muted' }, `and ${rows.length - 200} more`) : null;
  return h(
    'section',
    { id: 'problems' },
    h('h2', null, 'Problems ', h('span', { class: 'count' }, String(rows.length))),
    body,
    more,
  );
}

/** Problems waiting for their for: window: shown apart, since they are not counted (or mailed) yet. */
function pendingSection(model) {
  if (model.pending.length === 0) return null;
  const rows = [...model.pending].sort((a, b) => a.state.pending.countsAt.localeCompare(b.state.pending.countsAt));
  return h(
    'section',
    { id: 'pending' },
    h('h2', null, 'Pending ', h('span', { class: 'count' }, String(rows.length))),
    gridTable(
      ['Pending', 'Check', 'Agent', 'Now', 'Message'],
      rows
        .slice(0, 200)
        .map(({ check, state }) =>
          h(
            'tr',
            { dataset: { check: `${check.namespace}/${check.name}`, agent: state.agent } },
            h('td', null, pendingNote(state.pending)),
            h('td', null, h('a', { href: checkHref(check.namespace, check.name) }, checkLabel(check))),
            h('td', null, h('a', { href: agentHref(state.agent) }, state.agent)),
            h('td', null, statusBadge(state.status)),
            h('td', { class: 'message' }, state.pending.message ?? ''),
          ),
        ),
    ),
  );
}

function agentsSection(model, now) {
  return h(
    'section',
    { id: 'agents' },
    h('h2', null, 'Agents ', h('span', { class: 'count' }, String(model.agents.length))),
    model.agents.length === 0
      ? h('p', { class: 'muted' }, 'No agents yet: vilicus agents add NAME')
      : gridTable(
          ['Agent', 'State', 'Last check-in', 'Version', 'CPU', 'Checks'],
          byTrouble(model).map((agent) => agentRow(agent, model.byAgent.get(agent.name) ?? [], now)),
        ),
  );
}

/** Agents that need a look first: missing, then by failing checks, then by name. */
function byTrouble(model) {
  const failing = (agent) => (model.byAgent.get(agent.name) ?? []).filter((e) => isFailing(e.state)).length;
  const score = (agent) => (agent.missing ? 1e6 : 0) + failing(agent);
  return model.agents
    .map((agent) => ({ agent, score: score(agent) }))
    .sort((a, b) => b.score - a.score || a.agent.name.localeCompare(b.agent.name))
    .map(({ agent }) => agent);
}

function agentRow(agent, entries, now) {
  const failing = entries.filter((e) => isFailing(e.state)).length;
  const cpu = latestCpu(entries);
  return h(
    'tr',
    { class: agent.missing ? 'agent-missing' : '', dataset: { agent: agent.name } },
    h('td', null, h('a', { href: agentHref(agent.name), class: 'agent-name' }, agent.name)),
    h(
      'td',
      null,
      agent.missing ? h('span', { class: 'badge st-UNKNOWN' }, 'Missing') : h('span', { class: 'badge st-OK' }, 'Up'),
    ),
    h('td', null, ago(agent.lastSeenAt, now)),
    h('td', null, agent.version ?? h('span', { class: 'muted' }, '–')),
    h('td', { class: 'cpu' }, cpu === null ? h('span', { class: 'muted' }, '–') : cpuBar(cpu)),
    h(
      'td',
      null,
      `${entries.length - failing} OK`,
      failing ? h('span', { class: 'failing' }, ` · ${failing} failing`) : null,
    ),
  );
}

function cpuBar(percent) {
  const level = percent >= 90 ? 'high' : percent >= 75 ? 'mid' : 'low';
  return h(
    'span',
    { class: 'cpubar', title: `${percent.toFixed(1)} % busy` },
    h('span', {
      class: `cpubar-fill ${level}`,
      style: { width: `${Math.min(100, Math.max(0, percent)).toFixed(0)}%` },
    }),
    h('span', { class: 'cpubar-text' }, formatValue('cpu', percent)),
  );
}

function checksSection(model) {
  return h(
    'section',
    { id: 'checks' },
    h('h2', null, 'Checks ', h('span', { class: 'count' }, String(model.checks.length))),
    gridTable(['Check', 'Kind', 'Per agent', 'Summary'], model.checks.map(checkRow)),
  );
}

function checkRow(check) {
  const counts = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0, PENDING: 0 };
  for (const s of check.states) counts[s.status]++;
  const summary = check.states.length
    ? Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => h('span', { class: `tally st-text-${status}` }, `${n} ${status}`))
    : h('span', { class: 'muted' }, 'Pending: no agent has reported');
  return h(
    'tr',
    { dataset: { check: `${check.namespace}/${check.name}` } },
    h('td', null, h('a', { href: checkHref(check.namespace, check.name) }, checkLabel(check))),
    h('td', null, check.kind),
    h(
      'td',
      null,
      h(
        'div',
        { class: 'cells' },
        check.states.map((s) =>
          h('a', {
            class: `cell st-${s.status}`,
            href: agentHref(s.agent),
            title: `${s.agent}: ${s.status}${s.pending ? ` (${s.pending.status} pending until ${s.pending.countsAt})` : ''}${s.message ? ` — ${s.message}` : ''}`,
            dataset: { agent: s.agent, status: s.status },
          }),
        ),
      ),
    ),
    h('td', { class: 'summary' }, summary),
  );
}

export function checkLabel(check) {
  return check.namespace === 'default' ? check.name : `${check.namespace}/${check.name}`;
}
