// The chart's values table, generated from values.schema.json (types and
// descriptions) and values.yaml (defaults). values.test.ts checks that both
// READMEs hold it; on a mismatch it prints the table to paste.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface SchemaNode {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
}

export const CHART_DIR = new URL('../../../charts/vilicus/', import.meta.url);

export function readSchema(): SchemaNode {
  return JSON.parse(readFileSync(new URL('values.schema.json', CHART_DIR), 'utf8')) as SchemaNode;
}

export function readValues(): Record<string, unknown> {
  return parse(readFileSync(new URL('values.yaml', CHART_DIR), 'utf8')) as Record<string, unknown>;
}

/** Values passed down by a parent chart: allowed, never set by this chart. */
export const NOT_A_VALUE = new Set(['global']);

/** Every leaf of the schema (a node without properties: a scalar, a list, or a free-form object), in order. */
export function schemaLeaves(node: SchemaNode, path: string[] = []): { path: string[]; node: SchemaNode }[] {
  if (!node.properties) return [{ path, node }];
  return Object.entries(node.properties)
    .filter(([key]) => path.length > 0 || !NOT_A_VALUE.has(key))
    .flatMap(([key, child]) => schemaLeaves(child, [...path, key]));
}

export function valueAt(values: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
    values,
  );
}

function formatDefault(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return '(none)';
  if (json.length > 48) return '(see values.yaml)';
  return `\`${json.replace(/\|/g, '\\|')}\``;
}

function formatType(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(', ');
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

export function valuesTable(schema: SchemaNode = readSchema(), values: unknown = readValues()): string {
  const rows = schemaLeaves(schema).map(
    ({ path, node }) =>
      `| \`${path.join('.')}\` | ${formatType(node)} | ${formatDefault(valueAt(values, path))} | ${(node.description ?? '').replace(/\|/g, '\\|')} |`,
  );
  return ['| value | type | default | what |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
