// One probe kind, as the contract knows it: its spec schema and the rules the
// schema cannot say. The agent side of a kind is agent/probes/<kind>.ts.
import Type, { type Static, type TLiteral, type TNumber, type TObject, type TSchema, type TString } from 'typebox';

export interface SpecProblem {
  /** JSON pointer into the Check document, e.g. `/spec/process/pattern`. */
  field: string;
  message: string;
}

export interface ProbeDefinition<S extends TSchema = TSchema> {
  readonly kind: string;
  readonly schema: S;
  /** The check as the agent receives it (see agentCheckOf). */
  readonly agentCheck: TSchema;
  /** One line for docs and tables. */
  readonly summary: string;
  /** Rules beyond the schema; `at` is the spec's pointer, e.g. `/spec/cpu`. */
  problems(spec: Static<S>, at: string): SpecProblem[];
  /** The spec with its defaults filled in, as the agent receives it. */
  withDefaults(spec: Static<S>): Static<S>;
  /** A sustained window (`for:`) in ms; 0 when the kind has none or it is unset. */
  sustainMs(spec: Static<S>): number;
  /**
   * The rules of `problems()` that the Kubernetes API server can check itself,
   * as CEL on this probe's object (`self` is the probe spec); they go into the CRD.
   */
  readonly cel?: readonly { rule: string; message: string }[];
}

export function defineProbe<S extends TSchema>(definition: ProbeDefinition<S>): ProbeDefinition<S> {
  return definition;
}

type AgentCheckSchema<K extends string, S extends TSchema> = TObject<
  { id: TString; name: TString; namespace: TString; intervalSeconds: TNumber; kind: TLiteral<K> } & { [P in K]: S }
>;

/** A check as the agent needs it: id, name, interval, and the probe (defaults filled in) under its kind. */
export function agentCheckOf<K extends string, S extends TSchema>(kind: K, schema: S): AgentCheckSchema<K, S> {
  const properties = {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    namespace: Type.String(),
    intervalSeconds: Type.Number({ minimum: 1 }),
    kind: Type.Literal(kind),
    [kind]: schema,
  };
  return Type.Object(properties) as unknown as AgentCheckSchema<K, S>;
}
