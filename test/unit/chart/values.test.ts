// The chart's values, its schema and its documentation agree: every value is
// in values.schema.json with a description, every schema leaf has a default
// in values.yaml, and both READMEs show the table generated from the two.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_DIR,
  NOT_A_VALUE,
  readSchema,
  readValues,
  schemaLeaves,
  valueAt,
  valuesTable,
  type SchemaNode,
} from './values-table.ts';

const schema = readSchema();
const values = readValues();

/** Every key of values.yaml down to where the schema stops (a leaf may hold any object). */
function valuePaths(value: unknown, node: SchemaNode, path: string[] = []): string[][] {
  if (!node.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return [path];
  return Object.entries(value).flatMap(([key, child]) => {
    const childNode = node.properties![key];
    if (!childNode) return [[...path, key]]; // reported below as missing from the schema
    return valuePaths(child, childNode, [...path, key]);
  });
}

function nodeAt(path: string[]): SchemaNode | undefined {
  return path.reduce<SchemaNode | undefined>((n, key) => n?.properties?.[key], schema);
}

function allNodes(node: SchemaNode, path: string[] = []): { path: string; node: SchemaNode }[] {
  const children = Object.entries(node.properties ?? {}).flatMap(([k, c]) => allNodes(c, [...path, k]));
  return path.length === 0 ? children : [{ path: path.join('.'), node }, ...children];
}

describe('values.schema.json', () => {
  it('describes every value of values.yaml', () => {
    const missing = valuePaths(values, schema)
      .filter((p) => nodeAt(p) === undefined)
      .map((p) => p.join('.'));
    expect(missing).toEqual([]);
  });

  it('has a default in values.yaml for every value it allows', () => {
    const missing = schemaLeaves(schema)
      .filter(({ path }) => valueAt(values, path) === undefined)
      .map(({ path }) => path.join('.'));
    expect(missing).toEqual([]);
  });

  it('gives every value and group a description and refuses unknown keys in every group', () => {
    for (const { path, node } of allNodes(schema)) {
      if (NOT_A_VALUE.has(path)) continue;
      expect(node.description, path).toBeTruthy();
      if (node.properties) expect((node as { additionalProperties?: unknown }).additionalProperties, path).toBe(false);
    }
  });
});

describe('the values table', () => {
  const table = valuesTable(schema, values);

  it.each(['README.md', 'charts/vilicus/README.md'])('in %s is the one generated from the schema', (file) => {
    const readme = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
    // On a mismatch, paste the table printed in the diff below.
    expect(readme.includes(table) ? table : readme).toBe(table);
  });
});

describe('the chart', () => {
  it('takes its CRD from the top-level crds/ through a symlink (one source of truth)', () => {
    const crds = new URL('crds', CHART_DIR);
    expect(lstatSync(crds).isSymbolicLink()).toBe(true);
    expect(readlinkSync(crds)).toBe('../../crds');
  });

  it("has the package's version as appVersion (the images' default tag)", () => {
    const chart = parse(readFileSync(new URL('Chart.yaml', CHART_DIR), 'utf8')) as { appVersion: string };
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(chart.appVersion).toBe(pkg.version);
  });
});
