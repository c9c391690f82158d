// Debian's Chromium driven by playwright-core for the storefront tests: launching it, keeping screenshots where CI
// collects them, and watching a page for script errors and for requests that leave its own origin.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** `test-artifacts/` at the repository root (this file runs from services/frontend/dist/test/support). */
export const artifactsDir = resolve(__dirname, '../../../../..', 'test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What went wrong in a page: uncaught errors, console errors, requests to anything but its origin. */
export class PageWatch {
  private problems: string[] = [];

  constructor(page: Page, origin: string) {
    page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // Chromium logs every 4xx/5xx and failed fetch as "Failed to load resource"; the page shows those itself.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        this.problems.push(`console error: ${msg.text()}`);
      }
    });
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(`${origin}/`) && !url.startsWith('data:'))
        this.problems.push(`left the origin: ${url}`);
    });
  }

  /** The problems seen so far, forgotten once taken. */
  take(): string[] {
    const seen = this.problems;
    this.problems = [];
    return seen;
  }
}
