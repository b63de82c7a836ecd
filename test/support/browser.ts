/**
 * @module test/support/browser
 * Headless Debian Chromium driven by playwright-core, for the dashboard's tests and bench: a fresh
 * temp profile per launch (removed on close), and the flags that keep Chromium off the network
 * (no background fetches, no component updates, no QUIC). Never downloads a browser.
 */
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export interface Browser { context: BrowserContext; page: Page; close(): Promise<void> }

export function haveChromium(): boolean { return existsSync(CHROMIUM); }

/** `ignoreHTTPSErrors`: for pages served by the API server itself, whose certificate is the cluster CA's. */
export async function launchBrowser(opts: { ignoreHTTPSErrors?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'skiff-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, ignoreHTTPSErrors: opts.ignoreHTTPSErrors,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context, page,
    async close() {
      await context.close().catch(() => { /* already gone */ });
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go (git-ignored); printed by the tests so a reader can open them. */
export async function screenshotDir(name: string): Promise<string> {
  const dir = resolve(process.cwd(), 'test-output', name);
  await mkdir(dir, { recursive: true });
  return dir;
}
