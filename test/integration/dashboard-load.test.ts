// The dashboard renders all of a fleet of 100 agents × 20 checks (and a day
// of CPU history per agent) in Chromium from a cold cache. The times from
// navigation to the first full render are printed for people; they are not
// asserted, since a busy machine makes any budget flaky (bench/ measures).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium } from '../helpers/browser.ts';
import { agentName, FLEET, seedFleet } from '../helpers/fleet.ts';
import { chromiumBinary } from '../helpers/tools.ts';

const postgresUrl = inject('postgresUrl');
// The README's screenshots come from this fleet; rewritten only on request.
const shots =
  process.env['VILICUS_UPDATE_SCREENSHOTS'] === '1' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : tmpdir();

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * ms from navigation start to the page's own mark, in a fresh browser context
 * (nothing cached), once `ready` shows; `verify` then checks what it drew.
 */
async function coldLoad(
  browser: Browser,
  url: string,
  token: string,
  mark: string,
  ready: string,
  verify: (page: Page) => Promise<void>,
): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem('vilicus.adminToken', t), token);
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.locator(ready).first().waitFor({ timeout: 60_000 });
    await verify(page);
    return await markTime(page, mark);
  } finally {
    await context.close();
  }
}

async function markTime(page: Page, mark: string): Promise<number> {
  return page.evaluate((name) => Math.round(performance.getEntriesByName(name)[0]!.startTime), mark);
}

describe.runIf(chromiumBinary.run).each(dbKinds(postgresUrl))(
  'dashboard load with 100 agents × 20 checks on %s',
  (kind) => {
    {
      let t: TestApp;
      let browser: Browser;
      let url: string;

      beforeAll(async () => {
        t = await startTestApp(kind, postgresUrl);
        const seeding = Date.now();
        await seedFleet(t);
        console.log(`[${kind}] seeded ${FLEET.agents} agents × ${FLEET.checks} checks in ${Date.now() - seeding} ms`);
        url = await t.app.listen({ port: 0, host: '127.0.0.1' });
        browser = await launchChromium();
      }, 480_000); // seeding 2,000 states through the real ingest takes minutes on a loaded machine
      afterAll(async () => {
        await browser?.close();
        await t?.close();
      });

      it('answers the overview document with every agent and state', async () => {
        const times: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          const response = await fetch(`${url}/api/v1/overview`, { headers: t.admin });
          bytes = (await response.arrayBuffer()).byteLength;
          times.push(performance.now() - started);
        }
        const body = (await t.app.inject({ method: 'GET', url: '/api/v1/overview', headers: t.admin })).json();
        expect(body.agents).toHaveLength(FLEET.agents);
        expect(body.checks.flatMap((c: { states: unknown[] }) => c.states)).toHaveLength(FLEET.agents * FLEET.checks);
        console.log(
          `[${kind}] GET /api/v1/overview: median ${Math.round(median(times))} ms, ${Math.round(bytes / 1024)} kB`,
        );
      });

      it('renders the overview with every problem of the fleet from a cold start', async () => {
        const body = (await t.app.inject({ method: 'GET', url: '/api/v1/overview', headers: t.admin })).json();
        const problems = body.checks
          .flatMap((c: { states: { status: string }[] }) => c.states)
          .filter((s: { status: string }) => s.status !== 'OK').length;
        expect(problems).toBeGreaterThanOrEqual(3); // the fleet's two CRITICAL and one UNKNOWN at least
        const shown = async (page: Page): Promise<void> => {
          expect(await page.locator('.overview h2 .count').first().textContent()).toBe(String(problems));
        };
        const runs: number[] = [];
        for (let i = 0; i < 3; i++)
          runs.push(
            await coldLoad(browser, `${url}/`, t.adminToken, 'vilicus:first-render', 'body[data-ready="true"]', shown),
          );
        console.log(
          `[${kind}] overview page, navigation → first render: ${runs.join(', ')} ms (median ${median(runs)} ms)`,
        );
      });

      it("draws an agent's 24 h CPU chart from a cold start", async () => {
        const agentUrl = `${url}/#/agents/${agentName(12)}`;
        const drawn = async (page: Page): Promise<void> => {
          expect(await page.locator('.agent-page[data-cpu-loaded="true"] .cpu-chart canvas').count()).toBe(1);
        };
        const runs: number[] = [];
        for (let i = 0; i < 3; i++)
          runs.push(await coldLoad(browser, agentUrl, t.adminToken, 'vilicus:cpu-chart', '.cpu-chart canvas', drawn));
        console.log(
          `[${kind}] agent page, navigation → 24 h CPU chart: ${runs.join(', ')} ms (median ${median(runs)} ms)`,
        );
        if (kind === 'pglite') await screenshots(browser, url, t.adminToken);
      });
    }
  },
);

async function screenshots(browser: Browser, url: string, token: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem('vilicus.adminToken', t), token);
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.screenshot({ path: join(shots, 'dashboard.png') });
  await page.goto(`${url}/#/agents/${agentName(12)}`);
  await page.locator('.agent-page[data-cpu-loaded="true"] .cpu-chart canvas').waitFor();
  await page.screenshot({ path: join(shots, 'dashboard-agent.png') });
  await context.close();
}
