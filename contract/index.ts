// The wire contract (v1). The agent imports only from here.
export * from './probes/index.ts';
export * from './duration.ts';
export * from './duration-schema.ts';
export * from './check-rules.ts';
export * from './result.ts';
export * from './check.ts';
export * from './agent.ts';
export * from './error.ts';
export * from './alerts.ts';
export * from './backoff.ts';
export * from './text.ts';
export * from './schema-errors.ts';
