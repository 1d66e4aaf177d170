// Setup file of both vitest projects: tags each test with the real services
// that were up while it ran (test/helpers/tools.ts), for services-reporter.ts.
import { afterEach, beforeEach } from 'vitest';
import { beginTest, servicesOfTest } from './tools.ts';

beforeEach(() => beginTest());
afterEach((context) => {
  context.task.meta.services = servicesOfTest();
});
