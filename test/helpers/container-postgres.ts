import type { StartedPostgres } from './postgres.ts';

const IMAGE = 'postgres:17-alpine';
// testcontainers' runtime probe has no timeout of its own: a stale DOCKER_HOST
// or a wedged daemon would stall every test run instead of falling through to
// the local binaries.
const RUNTIME_PROBE_TIMEOUT_MS = 3_000;

/**
 * Starts PostgreSQL in a container. Rejects quickly when no container runtime
 * answers, so the caller can try the next way.
 */
export async function startContainerPostgres(): Promise<StartedPostgres> {
  // Loaded on demand: dockerode and friends cost ~300 ms to import, wasted
  // whenever TEST_DATABASE_URL is set.
  const { getContainerRuntimeClient } = await import('testcontainers');
  await withTimeout(getContainerRuntimeClient(), RUNTIME_PROBE_TIMEOUT_MS, 'container runtime probe');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(IMAGE)
    // Same durability trade-off as the local cluster: tests never need crash safety.
    .withCommand([
      'postgres',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ])
    .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
    .start();
  return {
    url: container.getConnectionUri(),
    stop: async (): Promise<void> => {
      await container.stop();
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    // The abandoned probe must not keep the test process alive on its own.
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
