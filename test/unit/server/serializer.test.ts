// The responses' serializer (server/api/serializer.ts) writes the contract's
// unions by type: the rewrite is table-driven here, and the documents the
// API answers with come out byte for byte as fast-json-stringify writes them
// from the contract's own schemas, for every branch of every union.
import fastJson from 'fast-json-stringify';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { AgentView, CheckView, ErrorReply } from '../../../contract/index.ts';
import { Overview } from '../../../contract/dashboard.ts';
import { serializableSchema } from '../../../server/api/serializer.ts';

const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

describe('serializableSchema', () => {
  it.each([
    ['a string or null', Type.Union([Type.String(), Type.Null()]), { type: ['string', 'null'] }],
    [
      'a formatted string or null, its description kept',
      Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'd' }),
      { type: ['string', 'null'], format: 'date-time', description: 'd' },
    ],
    ['a number or null', Type.Union([Type.Number(), Type.Null()]), { type: ['number', 'null'] }],
    [
      'string constants',
      Type.Union([Type.Literal('OK'), Type.Literal('WARNING')]),
      { type: 'string', enum: ['OK', 'WARNING'] },
    ],
    [
      'an object or null, its inner unions too',
      Type.Union([Type.Object({ m: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
      { type: ['object', 'null'], properties: { m: { type: ['string', 'null'] } }, required: ['m'] },
    ],
  ])('rewrites %s', (_, schema, expected) => {
    expect(serializableSchema(plain(schema))).toEqual(expected);
  });

  it.each([
    ['two objects', Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Number() })])],
    ['a string or a number', Type.Union([Type.String(), Type.Number()])],
    ['three branches with null', Type.Union([Type.String(), Type.Number(), Type.Null()])],
    ['a number constant among strings', Type.Union([Type.Literal('a'), Type.Literal(1)])],
  ])('leaves %s as an anyOf', (_, schema) => {
    expect(serializableSchema(plain(schema))).toEqual(plain(schema));
  });
});

describe('the documents the API writes', () => {
  const at = '2026-12-02T10:00:00.000Z';
  const pending = { status: 'WARNING', since: at, countsAt: at, message: null };
  const agentState = (i: number) => ({
    agent: `host-${i}`,
    status: ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'PENDING'][i % 5],
    since: at,
    message: i % 2 ? 'CPU 12.3% busy' : null,
    value: i % 3 ? 12.3 : null,
    lastResultAt: i % 4 ? at : null,
    pending: i % 5 === 4 ? { ...pending, message: 'CPU 97% busy' } : i % 7 ? null : pending,
  });
  const check = {
    apiVersion: 'vilicus.dev/v1alpha1',
    kind: 'Check',
    metadata: {
      name: 'cpu',
      namespace: 'default',
      uid: crypto.randomUUID(),
      generation: 2,
      source: 'crd',
      labels: { team: 'ops' },
      creationTimestamp: at,
    },
    spec: { cpu: { above: 90 }, interval: '10s', severity: 'warning' },
    status: {
      summary: { ok: 1, warning: 1, critical: 1, unknown: 1, pending: 1 },
      agents: Array.from({ length: 40 }, (_, i) => agentState(i)),
    },
  };
  const overview = {
    generatedAt: at,
    agents: [
      { name: 'a', labels: {}, missing: false, lastSeenAt: at, version: '0.1.0' },
      { name: 'b', labels: { x: 'y' }, missing: true, lastSeenAt: null, version: null },
    ],
    checks: [
      { namespace: 'default', name: 'cpu', kind: 'cpu', severity: 'critical', interval: null, states: [] },
      {
        namespace: 'ops',
        name: 'disk',
        kind: 'disk',
        severity: 'warning',
        interval: '1m',
        states: Array.from({ length: 12 }, (_, i) => {
          const { agent, status, since, value, message, lastResultAt, pending: p } = agentState(i);
          return { agent, status, since, value, message, lastResultAt, pending: p };
        }),
      },
    ],
  };
  const agent = {
    id: crypto.randomUUID(),
    name: 'a',
    labels: {},
    createdAt: at,
    lastSeenAt: null,
    missing: false,
    version: null,
  };
  const error = { error: 'VILICUS_ERR_VALIDATION', message: 'name: too long', field: 'body/name' };

  it.each([
    ['GET /api/v1/checks', Type.Object({ items: Type.Array(CheckView) }), { items: [check, check] }],
    ['GET /api/v1/overview', Overview, overview],
    ['an agent', AgentView, agent],
    ['an error', ErrorReply, error],
  ])('%s: the same bytes as from the contract schema', (_, schema, doc) => {
    const written = fastJson(serializableSchema(schema) as Parameters<typeof fastJson>[0])(doc);
    expect(written).toBe(fastJson(schema as Parameters<typeof fastJson>[0])(doc));
    expect(JSON.parse(written)).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
