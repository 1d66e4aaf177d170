// What the JSON Schema cannot say about a Check, and the numbers the server
// runs it on. Shared by the REST API, the CLI and the Kubernetes reconciler.
import Value from 'typebox/value';
import { CheckSpec } from './check.ts';
import { MAX_INTERVAL_MS, parseDuration } from './duration.ts';
import { probeKinds, probes, type ProbeKind, type ProbeDefinition, type SpecProblem } from './probes/index.ts';
import { mostSpecific } from './schema-errors.ts';

export type { SpecProblem } from './probes/index.ts';

/** A check as the server runs it: one probe kind, durations in numbers. */
export interface NormalizedCheck {
  kind: ProbeKind;
  intervalSeconds: number;
  sustainMs: number;
  severity: 'critical' | 'warning';
  matchLabels: Record<string, string>;
  /** all: one result per selected agent; any: one result, from one selected agent the server picks. */
  agents: 'all' | 'any';
}

export const DEFAULT_INTERVAL = '30s';

const MAX_INTERVAL = `${MAX_INTERVAL_MS / 3_600_000}h`; // in units the duration pattern takes (no `d`)
const INTERVAL_MESSAGE = `interval must be a duration from 1s to ${MAX_INTERVAL}`;
/** The interval rule as CEL on the spec, for the CRD (Kubernetes' duration() reads the same units). */
export const INTERVAL_CEL = [
  {
    rule: `!has(self.interval) || (duration(self.interval) >= duration('1s') && duration(self.interval) <= duration('${MAX_INTERVAL}'))`,
    message: INTERVAL_MESSAGE,
  },
] as const;

/** The probe kinds a spec sets (a valid spec sets exactly one). */
export function kindsOf(spec: CheckSpec): ProbeKind[] {
  return probeKinds.filter((kind) => spec[kind] !== undefined);
}

/** What the server running the check knows: its webhook receivers' names (undefined: not checked). */
export interface SpecContext {
  webhooks?: readonly string[];
}

/** Every problem with a spec (empty when it is valid). */
export function specProblems(spec: CheckSpec, context: SpecContext = {}): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const known = context.webhooks;
  (spec.notify?.webhooks ?? []).forEach((name, i) => {
    if (known && !known.includes(name)) {
      const names = known.length ? known.join(', ') : 'none';
      problems.push({
        field: `/spec/notify/webhooks/${i}`,
        message: `no webhook receiver "${name}" (known: ${names})`,
      });
    }
  });
  const kinds = kindsOf(spec);
  if (kinds.length !== 1) {
    problems.push({ field: '/spec', message: `exactly one probe kind is required (one of ${probeKinds.join(', ')})` });
  }
  const interval = parseDuration(spec.interval ?? DEFAULT_INTERVAL);
  if (interval === null || interval < 1000 || interval > MAX_INTERVAL_MS) {
    problems.push({ field: '/spec/interval', message: INTERVAL_MESSAGE });
  }
  for (const kind of kinds) problems.push(...definition(kind).problems(spec[kind], `/spec/${kind}`));
  return problems;
}

/**
 * Every problem with a spec no schema has checked yet: a Check resource, which
 * the API server checked against the CRD — the same schema without the
 * storable-text rule (crd.ts), so a NUL still gets through. The schema's most
 * specific complaint (worded as the REST API words it), else specProblems.
 */
export function uncheckedSpecProblems(spec: unknown, context: SpecContext = {}): SpecProblem[] {
  const schemaErrors = [...Value.Errors(CheckSpec, spec)];
  if (schemaErrors.length > 0) {
    const { path, message } = mostSpecific(schemaErrors);
    return [{ field: `/spec${path}`, message }];
  }
  return specProblems(spec as CheckSpec, context);
}

/** The numbers the server runs on. Call only on a spec without problems. */
export function normalizeSpec(spec: CheckSpec): NormalizedCheck {
  const kind = kindsOf(spec)[0] ?? probeKinds[0]!;
  return {
    kind,
    intervalSeconds: (parseDuration(spec.interval ?? DEFAULT_INTERVAL) ?? 30_000) / 1000,
    sustainMs: definition(kind).sustainMs(spec[kind]),
    severity: spec.severity ?? 'critical',
    matchLabels: spec.nodeSelector?.matchLabels ?? {},
    agents: spec.agents ?? 'all',
  };
}

/** The probe spec of a (valid) check with its defaults, as the agent receives it. */
export function probeWithDefaults(spec: CheckSpec, kind: ProbeKind): unknown {
  return definition(kind).withDefaults(spec[kind]);
}

// The registry's entries differ in their spec type; here every kind is handled alike.
function definition(kind: ProbeKind): ProbeDefinition {
  return probes[kind];
}
