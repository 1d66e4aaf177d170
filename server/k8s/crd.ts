// The Check CustomResourceDefinition, generated from the wire contract's
// CheckSpec (one schema, two doors: `vilicus apply` and `kubectl apply`).
// `npm run crd` writes crds/checks.vilicus.dev.yaml; a test keeps it in sync.
import { CheckSpec, INTERVAL_CEL, probeKinds, probes, storableHead } from '../../contract/index.ts';

type Json = Record<string, unknown>;

/** JSON Schema (TypeBox) → a Kubernetes structural schema. */
export function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== 'object') return schema;
  const s = { ...(schema as Json) };
  const anyOf = s['anyOf'] as Json[] | undefined;
  if (anyOf && anyOf.every((branch) => 'const' in branch)) {
    // A union of literals is an enum to the API server (it has no `const`).
    delete s['anyOf'];
    return { ...s, type: typeof anyOf[0]!['const'], enum: anyOf.map((b) => b['const']) };
  }
  const patterns = s['patternProperties'] as Json | undefined;
  if (patterns) {
    // A record (labels): structural schemas say it with additionalProperties.
    delete s['patternProperties'];
    s['additionalProperties'] = Object.values(patterns)[0];
  }
  kubernetesText(s);
  // Unknown fields are pruned by the API server; `false` is not allowed next to properties.
  if (s['properties'] && s['additionalProperties'] === false) delete s['additionalProperties'];
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, structural(v)]));
}

/**
 * The contract's storable-text rule (no NUL, no unpaired surrogate) stays out
 * of the CRD: the API server's JSON decoder already replaces unpaired
 * surrogates, its RE2 cannot read `\\u` escapes, and it has no propertyNames.
 * The reconciler applies it (uncheckedSpecProblems): a NUL is an invalid spec.
 */
function kubernetesText(s: Json): void {
  const head = typeof s['pattern'] === 'string' ? storableHead(s['pattern']) : null;
  if (head) s['pattern'] = `^${head}`;
  else if (head === '') delete s['pattern'];
  delete s['propertyNames'];
}

function specSchema(): Json {
  const spec = structural(JSON.parse(JSON.stringify(CheckSpec))) as Json & { properties: Record<string, Json> };
  for (const kind of probeKinds) {
    const cel = probes[kind].cel;
    if (cel?.length) spec.properties[kind] = { ...spec.properties[kind], 'x-kubernetes-validations': [...cel] };
  }
  const oneKind = `[${probeKinds.map((k) => `has(self.${k})`).join(', ')}].filter(x, x).size() == 1`;
  return {
    ...spec,
    'x-kubernetes-validations': [
      { rule: oneKind, message: `exactly one probe kind is required (one of ${probeKinds.join(', ')})` },
      ...INTERVAL_CEL,
    ],
  };
}

const STATUS: Json = {
  type: 'object',
  properties: {
    owner: {
      type: 'string',
      description:
        'The release that owns this Check and writes this status (<namespace>/<lease>); see annotation vilicus.dev/owner',
    },
    observedGeneration: { type: 'integer', format: 'int64' },
    probe: { type: 'string', description: 'The probe kind, for the printer column' },
    health: { type: 'string', enum: ['Pending', 'OK', 'Failing', 'Invalid'] },
    summary: {
      type: 'object',
      properties: Object.fromEntries(
        ['ok', 'warning', 'critical', 'unknown', 'pending', 'failing'].map((k) => [k, { type: 'integer' }]),
      ),
    },
    failing: nodeProblems({}),
    pending: nodeProblems(
      { countsAt: { type: 'string', format: 'date-time' } },
      'Problems waiting for their for: window: not failing until countsAt',
    ),
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status', 'lastTransitionTime'],
        properties: {
          type: { type: 'string' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
          observedGeneration: { type: 'integer', format: 'int64' },
        },
      },
    },
  },
};

export function checkCrd(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'checks.vilicus.dev' },
    spec: {
      group: 'vilicus.dev',
      scope: 'Namespaced',
      names: {
        kind: 'Check',
        listKind: 'CheckList',
        plural: 'checks',
        singular: 'check',
        shortNames: ['vck'],
        categories: ['vilicus'],
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Probe', type: 'string', jsonPath: '.status.probe' },
            { name: 'Status', type: 'string', jsonPath: '.status.health' },
            { name: 'OK', type: 'integer', jsonPath: '.status.summary.ok' },
            { name: 'Failing', type: 'integer', jsonPath: '.status.summary.failing' },
            { name: 'Pending', type: 'integer', jsonPath: '.status.summary.pending' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A vilicus check: one probe, which agents run it, how often, whom to tell',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specSchema(),
                status: STATUS,
              },
            },
          },
        },
      ],
    },
  };
}

/** A status list of one problem per node (failing[], pending[]): at most 50, extra fields before the message. */
function nodeProblems(extra: Json, description?: string): Json {
  return {
    type: 'array',
    maxItems: 50,
    ...(description ? { description } : {}),
    items: {
      type: 'object',
      properties: {
        node: { type: 'string' },
        status: { type: 'string' },
        since: { type: 'string', format: 'date-time' },
        ...extra,
        message: { type: 'string' },
      },
    },
  };
}
