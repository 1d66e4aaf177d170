// The dashboard in a real browser on the real loop: a server process, an
// agent process at a 1 s interval, a monitored `sleep`, and Debian's Chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { api, killAll, startServerProcess, uniqueSleep, vilicus, waitFor } from '../helpers/processes.ts';
import { chromiumBinary } from '../helpers/tools.ts';

// Screenshots of this one-agent run go to a temp dir, kept when the test fails
// so a person can look; the README's come from the 100-agent fleet (dashboard-load).
const shots = mkdtempSync(join(tmpdir(), 'vilicus-ui-shots-'));

/** Pixels of the chart's series colour (#2563eb), i.e. a line was drawn, not only axes. */
// (Code in evaluate() runs in the page; the project's types have no DOM, so its element is `any`.)
async function seriesPixels(page: Page): Promise<number> {
  return page
    .locator('.cpu-chart canvas')
    .first()
    .evaluate((canvas: any) => {
      const data: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const close =
          Math.abs(data[i]! - 37) < 40 && Math.abs(data[i + 1]! - 99) < 40 && Math.abs(data[i + 2]! - 235) < 40;
        if (close && data[i + 3]! > 200) count++;
      }
      return count;
    });
}

describe.runIf(chromiumBinary.run)('dashboard in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-ui-'));
  const adminToken = `admin-${crypto.randomUUID()}`;
  let browser: Browser | undefined;
  let passed = false;
  afterAll(async () => {
    await browser?.close();
    await killAll();
    rmSync(dataDir, { recursive: true, force: true });
    if (passed) rmSync(shots, { recursive: true, force: true });
    else console.log(`dashboard screenshots kept in ${shots}`);
  });

  it('shows the agent, turns a check red when its process is killed, and draws the CPU chart', async () => {
    // host-b's agent is played by the test (below): it posts once and never checks
    // in, so with the default (3 of its 1-s intervals) it would be marked missing
    // from its first results, mid-test.
    const server = await startServerProcess({ dataDir, adminToken, env: { VILICUS_MISSING_AFTER: '1000' } });
    const call = api(server.url, adminToken);
    const agent = await call('POST', '/api/v1/agents', { name: 'host-a', labels: { role: 'web' } });
    const sleeper = uniqueSleep();
    const pattern = `^sleep ${sleeper.marker.replace('.', '\\.')}$`;
    await call('PUT', '/api/v1/checks/sleeper-running', {
      metadata: { name: 'sleeper-running' },
      spec: { process: { pattern }, interval: '1s' },
    });
    await call('PUT', '/api/v1/checks/cpu-busy', {
      metadata: { name: 'cpu-busy' },
      spec: { cpu: { above: 95, warnAbove: 80 }, interval: '1s' },
    });
    const agentProc = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token });

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (m) => {
      // The first poll, before the token is given, is answered 401 on purpose.
      if (m.type() === 'error' && !m.text().includes('401')) problems.push(m.text());
    });
    await page.goto(`${server.url}/`);
    // Pasting the token and pressing Enter uses it (Enter once pressed Cancel, the form's first button).
    await page.locator('#token-input').fill(adminToken);
    await page.locator('#token-input').press('Enter');

    await page.locator('#agents .agent-name', { hasText: 'host-a' }).waitFor({ timeout: 15_000 });
    const cell = page.locator('#checks tr[data-check="default/sleeper-running"] .cell[data-agent="host-a"]');
    await waitFor(
      async () => (await cell.getAttribute('data-status')) === 'OK',
      20_000,
      () => agentProc.output(),
    );

    await sleeper.proc.stop('SIGKILL');
    await waitFor(
      async () => (await cell.getAttribute('data-status')) === 'CRITICAL',
      10_000,
      () => agentProc.output(),
    );
    expect(await cell.evaluate((el: any) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe(
      'rgb(220, 38, 38)',
    );
    const problemRow = page.locator('#problems tr[data-check="default/sleeper-running"][data-agent="host-a"]');
    await expect(problemRow.locator('.badge').textContent()).resolves.toBe('CRITICAL');
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });

    await page.locator('#agents .agent-name', { hasText: 'host-a' }).click();
    await page.locator('.agent-page[data-cpu-loaded="true"] .cpu-chart canvas').waitFor({ timeout: 15_000 });
    expect(await page.locator('.cpu-chart .u-legend .u-series').count()).toBe(3); // time, avg, max
    await waitFor(async () => (await seriesPixels(page)) > 50, 5_000);
    await page.screenshot({ path: join(shots, 'agent.png'), fullPage: true });

    // An admin action: silence the failing check from its page.
    await page.goto(`${server.url}/#/checks/default/sleeper-running`);
    await page.locator('.tl-seg.st-CRITICAL').waitFor({ timeout: 15_000 }); // the history shows the failure
    await page.locator('.page-head button', { hasText: 'Silence' }).click();
    await page.locator('#silence-dialog select[name="duration"]').selectOption('4h');
    await page.locator('#silence-dialog input[name="comment"]').fill('restarting it');
    await page.locator('#silence-dialog input[name="comment"]').press('Enter');
    await page.locator('.notice', { hasText: 'Silenced sleeper-running for 4h' }).waitFor();
    const silences = await call('GET', '/api/v1/silences');
    expect(silences.body.items).toEqual([
      expect.objectContaining({
        matchers: { check: 'sleeper-running', namespace: 'default' },
        comment: 'restarting it',
      }),
    ]);

    // Cancel still cancels (a plain button now, closed by the page's script).
    await page.locator('.page-head button', { hasText: 'Silence' }).click();
    await page.locator('#silence-dialog button[value="cancel"]').click();
    await page.locator('#silence-dialog').waitFor({ state: 'hidden' });
    expect((await call('GET', '/api/v1/silences')).body.items).toHaveLength(1);

    // A problem inside its for: window is pending, shown apart from the problems with since and countsAt.
    // host-b has no agent process: the test posts its results, with observed times it chooses.
    const quiet = await call('POST', '/api/v1/agents', { name: 'host-b', labels: { role: 'batch' } });
    const windowed = await call('PUT', '/api/v1/checks/cpu-window', {
      metadata: { name: 'cpu-window' },
      spec: { cpu: { above: 90, for: '10m' }, nodeSelector: { matchLabels: { role: 'batch' } }, interval: '10s' },
    });
    const first = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const countsAt = new Date(first.getTime() + 600_000).toISOString();
    const posted = await api(server.url, quiet.body.token)('POST', '/api/v1/check_history/', [
      {
        check: windowed.body.metadata.uid,
        status: 'CRITICAL',
        value: 99,
        message: 'CPU 99.0% busy',
        observedAt: first.toISOString(),
      },
    ]);
    expect(posted.body.accepted).toBe(1);
    await page.goto(`${server.url}/`);
    const row = page.locator('#pending tr[data-agent="host-b"]');
    await row.waitFor({ timeout: 15_000 });
    const note = row.locator('.pending-note');
    expect(await note.textContent()).toMatch(/^CRITICAL pending since .+, counts at .+$/);
    expect(
      await note.locator('time').evaluateAll((times: any[]) => times.map((t) => t.getAttribute('datetime'))),
    ).toEqual([first.toISOString(), countsAt]);
    expect(await row.locator('.badge').textContent()).toBe('PENDING');
    expect(await page.locator('#problems tr[data-agent="host-b"]').count()).toBe(0); // not failing
    await page.goto(`${server.url}/#/checks/default/cpu-window`);
    const stateRow = page.locator('tr[data-agent="host-b"]');
    await stateRow.locator('.pending-note').waitFor({ timeout: 15_000 });
    expect(await stateRow.locator('.pending-note').textContent()).toMatch(/^CRITICAL pending since .+, counts at .+$/);
    await page.screenshot({ path: join(shots, 'pending.png'), fullPage: true });

    expect(problems).toEqual([]);
    await agentProc.stop();
    await server.stop();
    passed = true;
  });
});
