import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, gaugeFamily, labelSet, sampleValue } from '../../../server/metrics/exposition.ts';

describe('escapeLabelValue', () => {
  it.each([
    ['web-1', 'web-1'],
    ['', ''],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['line\nbreak', 'line\\nbreak'],
    ['\\"\n', '\\\\\\"\\n'],
    ['tab\tand ünïcode ✓', 'tab\tand ünïcode ✓'],
    ['{curly}=,', '{curly}=,'],
  ])('%j → %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });
});

describe('sampleValue', () => {
  it.each([
    [0, '0'],
    [3, '3'],
    [12.5, '12.5'],
    [-0.25, '-0.25'],
    [1_764_000_000.123, '1764000000.123'],
    [1e21, '1e+21'],
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%d → %s', (value, text) => {
    expect(sampleValue(value)).toBe(text);
  });
});

describe('gaugeFamily', () => {
  it('writes HELP, TYPE and one line per sample, labels in the given order', () => {
    const labels = labelSet([
      ['check', 'nginx'],
      ['agent', 'web "1"'],
    ]);
    expect(
      gaugeFamily('x_up', 'Whether\nit is up', [
        { labels, value: 1 },
        { labels: '', value: 0 },
      ]),
    ).toBe('# HELP x_up Whether\\nit is up\n# TYPE x_up gauge\nx_up{check="nginx",agent="web \\"1\\""} 1\nx_up 0\n');
  });

  it('writes a family without samples as HELP and TYPE only, as prom-client does', () => {
    expect(gaugeFamily('x_up', 'help', [])).toBe('# HELP x_up help\n# TYPE x_up gauge\n');
  });

  it('writes the same sample lines as a prom-client Gauge for awkward label values', async () => {
    const values = ['plain', 'quote " in', 'back\\slash', 'new\nline', 'all \\ " \n', 'ünïcode ✓', ''];
    const registry = new Registry();
    const gauge = new Gauge({ name: 'x_value', help: 'h', labelNames: ['check', 'agent'], registers: [registry] });
    values.forEach((v, i) => gauge.set({ check: v, agent: `a${i}` }, i + 0.5));
    const theirs = (await registry.metrics()).trim().split('\n').slice(2);
    const ours = gaugeFamily(
      'x_value',
      'h',
      values.map((v, i) => ({
        labels: labelSet([
          ['check', v],
          ['agent', `a${i}`],
        ]),
        value: i + 0.5,
      })),
    )
      .trim()
      .split('\n')
      .slice(2);
    expect(ours).toEqual(theirs);
  });

  it('writes text longer than its 64 KiB buffers whole, multi-byte characters across their edges included', () => {
    const samples = Array.from({ length: 8000 }, (_, i) => ({
      labels: labelSet([['agent', `ünïcode ✓ ${i}`]]),
      value: i,
    }));
    const lines = samples.map((s) => `x_up${s.labels} ${s.value}`);
    const text = gaugeFamily('x_up', 'h', samples);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 64 * 1024);
    expect(text).toBe(`# HELP x_up h\n# TYPE x_up gauge\n${lines.join('\n')}\n`);
  });
});
