// Minimal typings for the parts of `pg` the test helpers use: the package
// ships no types and @types/pg is not a dependency. Replace this file with
// @types/pg if the server starts importing `pg` directly.
declare module 'pg' {
  export interface ClientConfig {
    connectionString?: string;
    connectionTimeoutMillis?: number;
  }

  export interface QueryResult<R> {
    rows: R[];
    rowCount: number | null;
  }

  export class Client {
    constructor(config?: string | ClientConfig);
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
  }

  export function escapeIdentifier(name: string): string;

  const pg: { Client: typeof Client; escapeIdentifier: typeof escapeIdentifier };
  export default pg;
}
