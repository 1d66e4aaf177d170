// One agent: its facts, its CPU over 24 hours, the state of each of its checks.
import { api } from './api.js';
import { cpuChart } from './cpu-chart.js';
import { ago, checkHref, formatValue, gridTable, h, replace, since, statusBadge, STATUS_ORDER } from './dom.js';
import { checkLabel } from './overview.js';

const CPU_REFRESH_MS = 30_000;

export function agentView(name, onError) {
  const header = h('div', { class: 'page-head' });
  const chart = cpuChart();
  const table = h('div');
  const root = h(
    'div',
    { class: 'agent-page' },
    header,
    h('section', null, h('h2', null, 'CPU, last 24 hours'), chart.root),
    h('section', null, h('h2', null, 'Checks'), table),
  );
  const refreshCpu = () =>
    api
      .cpu(name)
      .then((history) => chart.update(history))
      .catch(onError)
      .finally(() => {
        if (root.dataset.cpuLoaded) return;
        performance.mark('vilicus:cpu-chart'); // the load test measures to here
        root.dataset.cpuLoaded = 'true';
      });
  // Not waiting for the overview poll: the chart's own request starts with the page.
  void refreshCpu();
  const timer = setInterval(refreshCpu, CPU_REFRESH_MS);
  return {
    root,
    title: name,
    update(model, now) {
      const agent = model.agents.find((a) => a.name === name);
      if (!agent) {
        replace(header, h('h1', null, name), h('p', { class: 'muted' }, 'No such agent (removed?).'));
        return;
      }
      replace(
        header,
        h(
          'h1',
          null,
          name,
          ' ',
          agent.missing
            ? h('span', { class: 'badge st-UNKNOWN' }, 'Missing')
            : h('span', { class: 'badge st-OK' }, 'Up'),
        ),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Last check-in'),
          h('dd', null, ago(agent.lastSeenAt, now)),
          h('dt', null, 'Version'),
          h('dd', null, agent.version ?? '–'),
          h('dt', null, 'Labels'),
          h(
            'dd',
            null,
            Object.entries(agent.labels).map(([k, v]) => h('code', { class: 'label' }, `${k}=${v}`)),
          ),
        ),
      );
      const entries = [...(model.byAgent.get(name) ?? [])].sort(
        (a, b) => STATUS_ORDER[a.state.status] - STATUS_ORDER[b.state.status],
      );
      replace(
        table,
        entries.length === 0
          ? h('p', { class: 'muted' }, 'No results from this agent yet.')
          : gridTable(
              ['Check', 'State', 'For', 'Value', 'Message'],
              entries.map(({ check, state }) =>
                h(
                  'tr',
                  { class: `row-${state.status}`, dataset: { check: `${check.namespace}/${check.name}` } },
                  h('td', null, h('a', { href: checkHref(check.namespace, check.name) }, checkLabel(check))),
                  h('td', null, statusBadge(state.status)),
                  h('td', null, since(state.since, now)),
                  h('td', null, formatValue(check.kind, state.value)),
                  h('td', { class: 'message' }, state.message ?? ''),
                ),
              ),
            ),
      );
    },
    dispose() {
      clearInterval(timer);
      chart.dispose();
    },
  };
}
