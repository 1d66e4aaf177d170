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
  const out = new ExpositionWriter();
  out.family(name, help, samples);
  return out.done().toString('utf8');
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The text of families written as UTF-8 into buffers as it is made, with no
 * string per line: at 20,000 states a scrape built 50 MiB of short-lived
 * strings and arrays for 7 MB of text (lines, their join, the Sample objects),
 * most of it promoted by the scavenges that the agents' posts cause meanwhile;
 * written here it allocates the label sets, the numbers' text and the buffers.
 */
export class ExpositionWriter {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;

  /** Text as it is (already escaped). */
  text(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.at + text.length * 3 > this.chunk.length) {
      this.chunks.push(this.chunk.subarray(0, this.at));
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, text.length * 3));
      this.at = 0;
    }
    this.at += this.chunk.write(text, this.at);
  }

  /** HELP and TYPE of a gauge family; its samples follow with sample(). */
  gauge(name: string, help: string): void {
    this.text(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} gauge\n`);
  }

  /** One sample line; `labels` from labelSet(). */
  sample(name: string, labels: string, value: number): void {
    this.text(name);
    this.text(labels);
    this.text(' ');
    this.text(sampleValue(value));
    this.text('\n');
  }

  family(name: string, help: string, samples: Iterable<Sample>): void {
    this.gauge(name, help);
    for (const s of samples) this.sample(name, s.labels, s.value);
  }

  /** Everything written, in one buffer. */
  done(): Buffer {
    return Buffer.concat([...this.chunks, this.chunk.subarray(0, this.at)]);
  }
}
