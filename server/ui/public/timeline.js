// A check's history as one bar per agent: coloured segments over the window,
// positioned in percent so the bar needs no redraw when the page resizes.
import { agentHref, duration, h } from './dom.js';

export function timeline(doc) {
  // A check younger than the window is drawn from its first state on: its
  // first minute would be a pixel of a day.
  const firsts = doc.agents.flatMap((a) => a.segments.slice(0, 1).map((s) => Date.parse(s.from)));
  const from = firsts.length ? Math.max(Date.parse(doc.from), Math.min(...firsts)) : Date.parse(doc.from);
  const to = Date.parse(doc.to);
  const span = Math.max(1, to - from);
  const pct = (t) => `${(((Date.parse(t) - from) / span) * 100).toFixed(3)}%`;
  const width = (a, b) => `${(((Date.parse(b) - Date.parse(a)) / span) * 100).toFixed(3)}%`;
  if (doc.agents.length === 0) return h('p', { class: 'muted' }, 'No agent has reported on this check yet.');
  return h(
    'div',
    { class: 'timeline' },
    doc.agents.map(({ agent, segments }) =>
      h(
        'div',
        { class: 'tl-row', dataset: { agent } },
        h('a', { class: 'tl-agent', href: agentHref(agent) }, agent),
        h(
          'div',
          { class: 'tl-bar' },
          segments.map((s) =>
            h('span', {
              class: `tl-seg st-${s.status}`,
              style: { left: pct(s.from), width: width(s.from, s.to) },
              title: `${s.status} for ${duration(Date.parse(s.to) - Date.parse(s.from))}\n${new Date(s.from).toLocaleString()} – ${new Date(s.to).toLocaleString()}`,
            }),
          ),
        ),
      ),
    ),
    h('div', { class: 'tl-axis' }, h('span', null, new Date(from).toLocaleString()), h('span', null, 'now')),
  );
}
