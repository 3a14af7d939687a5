/**
 * Writes the README's pictures of the web console from a real `onecode serve --http` on the
 * generated sample index, in Debian's Chromium (the set-up of tests/console/console.test.ts):
 * - docs/console-lookup.png: an analyst's lookup of a sample person by the old 15-digit number
 *   (personal values masked);
 * - docs/console-pipelines.png: an operator's pipelines page after "Run now" on one pipeline.
 *
 * Usage: npx tsx scripts/console-screenshots.ts   (needs /usr/bin/chromium and a CJK font:
 * apt-get install -y chromium fonts-wqy-microhei)
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Role } from '../src/access/roles.ts';
import { launchChromium } from '../tests/support/chromium.ts';
import { startConsoleSite, type ConsoleSite } from '../tests/support/console-site.ts';
import { REPO } from '../tests/support/workspace.ts';

/** Tallest picture kept, in CSS pixels: the top of a long page says enough. */
const MAX_HEIGHT = 2000;

async function signedIn(browser: Browser, site: ConsoleSite, role: Role): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${site.origin}/`);
  await page.getByLabel('API token').fill(site.tokens[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who-text').filter({ hasText: role }).waitFor();
  return page;
}

async function shoot(page: Page, file: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: path.join(REPO, 'docs', file), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.min(height, MAX_HEIGHT) } });
  console.log(`docs/${file}`);
}

const browser = await launchChromium();
const site = await startConsoleSite();
try {
  const analyst = await signedIn(browser, site, 'analyst');
  await analyst.getByLabel(/Resident ID number/).fill(site.person.old);
  await analyst.getByRole('button', { name: /Look up/ }).click();
  await analyst.locator('article.lookup').waitFor();
  await shoot(analyst, 'console-lookup.png');

  const operator = await signedIn(browser, site, 'operator');
  const section = operator.locator('#pipeline-bookkeeping-agencies');
  await operator.locator('#pipelines-status').filter({ hasText: 'pipeline(s).' }).waitFor();
  // Three runs, so that the charts show a few runs over time.
  for (const n of [1, 2, 3]) {
    await section.getByRole('button', { name: /Run now/ }).click();
    await section.locator('table.runs tbody tr').nth(n).waitFor({ timeout: 180_000 });
    await section.locator('button.run-now:not([disabled])').waitFor({ timeout: 180_000 });
  }
  await operator.locator('#pipeline-bookkeeping-agencies').scrollIntoViewIfNeeded();
  await shoot(operator, 'console-pipelines.png');
} finally {
  await browser.close();
  await site.stop();
}
