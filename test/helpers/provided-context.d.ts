// Values the integration globalSetup hands to test files via `inject()`.
// An import makes this file a module, so the block below augments vitest's
// types instead of replacing them.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the shared PostgreSQL server, or null when none could be started. */
    postgresUrl: string | null;
  }
}
