// The Prometheus text format (version 0.0.4) for metric families written
// straight from rows, without prom-client's per-series label maps. The check
// states are one series per (check, agent) and metric: 20,000 states make
// 60,000 lines, and building them through Gauge.set() and the registry took
// most of a scrape, on the event loop that also answers the agents.
// https://prometheus.io/docs/instrumenting/exposition_formats/

/** A label value inside double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/** HELP text: backslash and line feed escaped (double quotes stay). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus reads it: NaN, +Inf, -Inf or a decimal number. */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `{a="x",b="y"}`, in the given order; '' for no labels. Build it once per row and reuse it across families. */
export function labelSet(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export interface Sample {
  /** From labelSet(). */
  labels: string;
  value: number;
}

/** One gauge family: HELP, TYPE and its samples, each line ending in a line feed. */
export function gaugeFamily(name: string, help: string, samples: Iterable<Sample>): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`];
  for (const s of samples) lines.push(`${name}${s.labels} ${sampleValue(s.value)}`);
  return `${lines.join('\n')}\n`;
}
