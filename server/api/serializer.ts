// Responses are written by fast-json-stringify from each route's response
// schema. A `type` it writes after a typeof check; an `anyOf` (what TypeBox
// makes of `Type.Union`) it resolves for every value by running a validator
// over the branches. At 1,000 agents × 20 checks, GET /api/v1/checks spent
// ~40 of its 55 ms writing five such unions per agent (an idle machine;
// bench/README.md "Scale" for the reads under load). The contract keeps its unions
// (the OpenAPI document shows them as written); the serializer gets the same
// schema with the unions it can write by type alone rewritten: one type or
// null as `type: [type, 'null']`, string constants as `enum`. The bytes out
// are the same (test/unit/server/serializer.test.ts).
import fastJson from 'fast-json-stringify';
import type { FastifyInstance } from 'fastify';

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `anyOf: [X, {type: 'null'}]` with X of one plain type, or `anyOf` of string constants, as a type check. */
function byType(anyOf: unknown[]): Schema | null {
  const [first, second] = anyOf;
  if (
    anyOf.length === 2 &&
    isSchema(first) &&
    isSchema(second) &&
    second.type === 'null' &&
    Object.keys(second).length === 1 &&
    typeof first.type === 'string' &&
    first.anyOf === undefined
  )
    return { ...first, type: [first.type, 'null'] };
  if (anyOf.length > 0 && anyOf.every((branch) => isSchema(branch) && typeof branch.const === 'string'))
    return { type: 'string', enum: anyOf.map((branch) => (branch as Schema).const) };
  return null;
}

/** The schema as the serializer should see it: equal in what it accepts and writes, unions it can type rewritten. */
export function serializableSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(serializableSchema);
  if (!isSchema(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = serializableSchema(value);
  if (Array.isArray(out.anyOf)) {
    const typed = byType(out.anyOf);
    if (typed) {
      const { anyOf: _, ...rest } = out;
      return { ...rest, ...typed };
    }
  }
  return out;
}

/** Fastify's own serializer compiler (no shared schemas, no options here), on the rewritten schemas. */
export function installSerializer(app: FastifyInstance): void {
  app.setSerializerCompiler(({ schema }) => fastJson(serializableSchema(schema) as Parameters<typeof fastJson>[0]));
}
