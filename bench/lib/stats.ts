// Small statistics and the summary every benchmark adds its lines to.

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with few samples p95 is an observed value, not an interpolation.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export type Value = number | string | boolean;

/** `name: value` lines in the order they were added; what `npm run bench` ends with. */
export class Summary {
  readonly lines: [string, Value][] = [];
  readonly notes: string[] = [];

  add(name: string, value: Value): void {
    const shown = typeof value === 'number' ? round(value, value >= 100 ? 0 : 3) : value;
    this.lines.push([name, shown]);
    console.log(`  ${name}: ${shown}`);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`  note: ${text}`);
  }

  text(): string {
    return this.lines.map(([name, value]) => `${name}: ${value}`).join('\n');
  }
}
