// Real headless Chromium (Debian's package) driven by playwright-core, with
// the flags that make it start quietly in a container: no sandbox (root), no
// GPU, no network chatter of its own.
import { chromium, type Browser } from 'playwright-core';
import { acquire, chromiumBinary } from './tools.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumBinary.require(),
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  browser.once('disconnected', acquire('Chromium'));
  return browser;
}
