// The one rule for the real services tests drive (PostgreSQL, promtool,
// Chromium, schemathesis, df, …): in CI (any truthy CI) a suite whose service
// is missing fails, naming it and how to install it; on a developer's machine
// it is skipped with that message. .ci/run installs them.
//
// Each helper that starts or runs a service also records it (`acquire`): every
// test that runs while it is up carries its name in `task.meta.services`, and
// test/helpers/services-reporter.ts prints how many tests ran on each.
import { existsSync } from 'node:fs';
import type {} from 'vitest';

/** The CI values that mean "not CI"; anything else set (true, 1, yes, True, a runner's name) is CI. */
const NOT_CI = new Set(['', '0', 'false', 'no', 'off']);

/** Whether this runs in CI, where a missing service or peer fails instead of being skipped. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI'];
  return value !== undefined && !NOT_CI.has(value.trim().toLowerCase());
}

export interface Service {
  name: string;
  found: boolean;
  /** True when the tests that need it should run (found, or CI where missing must fail). */
  run: boolean;
  /** Throws, naming the service and how to install it, when it is missing; else records it for this test. */
  require(): void;
}

/**
 * A service the tests need. `found` is checked once at load; use
 * `describe.runIf(s.run)` around its suite and `s.require()` where it is used.
 */
export function service(name: string, found: boolean, install: string): Service {
  const ci = inCi();
  if (!found && !ci) console.log(`[vilicus:test] ${name} not found: its tests are skipped (${install})`);
  return {
    name,
    found,
    run: found || ci,
    require() {
      if (!found) throw new Error(`${name} is required but missing (${install}); CI must not skip its tests`);
      touch(name);
    },
  };
}

export interface Tool extends Service {
  path: string;
  /** As Service.require, and returns the path. */
  require(): string;
}

export function tool(path: string, debianPackage: string, name: string): Tool {
  const s = service(name, existsSync(path), `apt-get install -y ${debianPackage}`);
  return { ...s, path, require: () => (s.require(), path) };
}

export const promtool = tool('/usr/bin/promtool', 'prometheus', 'promtool');
export const chromiumBinary = tool('/usr/bin/chromium', 'chromium', 'Chromium');
/** Debian's own Node.js (20 on this image): what `npx vilicus` meets on many machines. */
export const debianNode = tool('/usr/bin/node', 'nodejs', 'Debian Node.js');

// --- which tests ran on which real service ---------------------------------

declare module 'vitest' {
  interface TaskMeta {
    /** The real services up while this test ran (see acquire). */
    services?: string[];
  }
}

/** Services up now in this worker, with how many holders each. */
const up = new Map<string, number>();
/** Services up at any moment of the current test. */
let touched = new Set<string>();
/** Between beginTest and servicesOfTest: a test (with its beforeEach/afterEach hooks) is running. */
let inTest = false;

/**
 * Records that `name` (PostgreSQL, PGlite, SMTP, kube-apiserver, …) is up from
 * now until the returned release is called: every test meanwhile counts as
 * run on it. Safe outside vitest (bench/).
 */
export function acquire(name: string): () => void {
  up.set(name, (up.get(name) ?? 0) + 1);
  touched.add(name);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (up.get(name) ?? 1) - 1;
    if (left > 0) up.set(name, left);
    else up.delete(name);
  };
}

/** A test starts: the services up now count for it (test/helpers/services-setup.ts). */
export function beginTest(): void {
  touched = new Set(up.keys());
  inTest = true;
}

/** A test ends: the services it ran on. */
export function servicesOfTest(): string[] {
  inTest = false;
  return [...touched].sort();
}

/**
 * Records a service used (a tool run, a service required): by the current
 * test, or — from a beforeAll or a module's top level, where a suite sets up
 * what all its tests use — by every test still to run in this file (vitest
 * gives each file its own module state, so the hold ends with the file).
 */
export function touch(name: string): void {
  if (inTest) touched.add(name);
  else acquire(name);
}
