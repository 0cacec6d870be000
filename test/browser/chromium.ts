/**
 * Headless Chromium for the page tests, driven by puppeteer-core: Debian's `chromium` (or the
 * browser at `CHROMIUM_PATH`), WebGL on the SwiftShader software renderer, every console error
 * and uncaught exception of a page collected.
 */
import {existsSync} from 'fs';
import puppeteer, {Browser, Page} from 'puppeteer-core';

/** The browser executable, or undefined where none is installed. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((file): file is string => file !== undefined && file !== '' && existsSync(file));
}

export interface OpenPage {
  browser: Browser;
  page: Page;
  /** The page's console errors and uncaught exceptions, in order. */
  errors: string[];
}

/** Opens `url` in a fresh headless Chromium; waits for its load event. */
export async function openPage(url: string): Promise<OpenPage> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: install Debian\'s chromium or set CHROMIUM_PATH');
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
           '--enable-unsafe-webgpu'],
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${(error as Error).message ?? String(error)}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  await page.goto(url, {waitUntil: 'load'});
  return {browser, page, errors};
}
