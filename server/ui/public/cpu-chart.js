// An agent's CPU over the last 24 hours, drawn by uPlot (about 50 kB, loaded
// only when an agent page opens). Served from node_modules by the server.
import { h, replace } from './dom.js';

const COLORS = ['#2563eb', '#7c3aed', '#0891b2', '#65a30d'];
let uPlotLoading = null;

function loadUPlot() {
  uPlotLoading ??= import('/ui/uPlot.esm.js').then((m) => m.default);
  return uPlotLoading;
}

function seriesOf(history) {
  const series = [{}];
  const data = [history.t];
  history.checks.forEach((check, i) => {
    const color = COLORS[i % COLORS.length];
    series.push({
      label: `${check.name} avg`,
      stroke: color,
      width: 1.5,
      fill: i === 0 ? `${color}1f` : undefined,
      spanGaps: false,
    });
    data.push(check.avg);
    if (i === 0) {
      series.push({ label: `${check.name} max`, stroke: `${color}80`, width: 1, dash: [4, 3] });
      data.push(check.max);
    }
  });
  return { series, data };
}

/** Horizontal lines at the first check's thresholds, so "how close to alerting" is visible. */
function thresholdHook(history) {
  const first = history.checks[0];
  const lines = [
    [first?.warnAbove, '#d97706'],
    [first?.above, '#dc2626'],
  ].filter(([v]) => typeof v === 'number');
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1;
    for (const [value, color] of lines) {
      const y = Math.round(u.valToPos(value, 'y', true));
      ctx.strokeStyle = color;
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
    }
    ctx.restore();
  };
}

export function cpuChart() {
  loadUPlot().catch(() => {}); // fetched while the data is, not after it (a failure shows on update)
  const root = h('div', { class: 'cpu-chart' });
  let plot = null;
  let shape = '';
  const onResize = () => plot?.setSize({ width: Math.max(300, root.clientWidth), height: 240 });
  window.addEventListener('resize', onResize);
  return {
    root,
    async update(history) {
      if (history.checks.length === 0 || history.t.length === 0) {
        plot?.destroy();
        plot = null;
        shape = '';
        const why =
          history.checks.length === 0 ? 'This agent runs no cpu check.' : 'No CPU results in this window yet.';
        replace(root, h('p', { class: 'muted' }, why));
        return;
      }
      const uPlot = await loadUPlot();
      const { series, data } = seriesOf(history);
      const nextShape = series.map((s) => s.label).join('|');
      if (plot && shape === nextShape) {
        plot.setData(data);
        return;
      }
      plot?.destroy();
      root.replaceChildren();
      shape = nextShape;
      plot = new uPlot(
        {
          width: Math.max(300, root.clientWidth),
          height: 240,
          series,
          scales: { y: { range: [0, 100] } },
          axes: [{}, { values: (_u, ticks) => ticks.map((v) => `${v} %`), size: 56 }],
          legend: { live: true },
          hooks: { draw: [thresholdHook(history)] },
        },
        data,
        root,
      );
    },
    dispose() {
      window.removeEventListener('resize', onResize);
      plot?.destroy();
    },
  };
}
