/**
 * The web console in a real headless Chromium (Debian's package) against a real `onecode serve`
 * with its HTTP API on the indexed sample (tests/support/console-site.ts): sign in with a token per role, look up a sample
 * person by their old 15-digit number, see masked values as an analyst (no clear ID number, name
 * or phone anywhere in the page) and clear values as a steward, both accesses in the audit; the
 * pipelines page with every sample pipeline's runs and charts; an operator's "Run now" starting a
 * run that then appears. The page runs under the server's Content-Security-Policy and must log no
 * error (a CSP violation is logged as one).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/roles.ts';
import { launchChromium } from '../support/chromium.ts';
import { startConsoleSite, type ConsoleSite } from '../support/console-site.ts';
import { REPO } from '../support/workspace.ts';

let site: ConsoleSite;
let browser: Browser;
/** Console errors and failed requests per page, asserted empty at the end of each test. */
const problems = new Map<Page, string[]>();

beforeAll(async () => {
  // The browser first: a missing Chromium fails here, before minutes of set-up.
  browser = await launchChromium();
  site = await startConsoleSite();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/** A fresh browser context (its own sessionStorage) with the console open and signed in as `role`. */
async function signedIn(role: Role): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => seen.push(`request failed: ${request.url()}`));

  const response = await page.goto(`${site.origin}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
  await page.getByLabel('API token').fill(site.tokens[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who-text').filter({ hasText: role }).waitFor();
  return page;
}

/** Everything the page holds as text or attribute (hidden parts and titles included). */
const pageHtml = (page: Page) => page.evaluate(() => document.documentElement.outerHTML);

async function lookUp(page: Page, code: string): Promise<void> {
  await page.getByRole('link', { name: /Lookup/ }).click();
  await page.getByLabel(/Resident ID number/).fill(code);
  await page.getByRole('button', { name: /Look up/ }).click();
  await page.waitForFunction(() => !['', 'Looking up…'].includes(document.getElementById('lookup-status')?.textContent ?? ''));
  const status = await page.locator('#lookup-status').textContent();
  expect(await page.locator('article.lookup').count(), `no lookup result; the page says: ${status}`).toBe(1);
}

function expectNoProblems(page: Page): void {
  expect(problems.get(page)).toEqual([]);
}

describe('web console', () => {
  it('keeps the token in sessionStorage only and shows who is signed in', async () => {
    const page = await signedIn('analyst');
    await expect(page.locator('#who-text').textContent()).resolves.toBe(`${site.names.analyst} · analyst · personal values: mask`);
    const storage = await page.evaluate(() => ({ session: sessionStorage.getItem('onecode.token'), local: localStorage.length, url: location.href }));
    expect(storage).toEqual({ session: site.tokens.analyst, local: 0, url: `${site.origin}/` });
    expect(await page.locator('#token').inputValue()).toBe('');

    // Another tab of a new context has no token; a wrong token is refused and not kept.
    const context = await browser.newContext();
      const other = await context.newPage();
    await other.goto(`${site.origin}/`);
    await other.getByLabel('API token').fill('oc_not-a-token');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByText('The server does not know this token.').waitFor();
    expect(await other.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();

    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expectNoProblems(page);
  });

  it('shows an analyst the person masked: no clear ID number, name or phone anywhere in the page', async () => {
    const { person } = site;
    const page = await signedIn('analyst');
    await lookUp(page, person.old);
    const text = await page.locator('article.lookup').innerText();
    const maskedId = `${person.code.slice(0, 6)}***********${person.code.slice(17)}`;
    expect(text).toContain(maskedId);
    expect(text).toContain(`${[...person.name][0]}${'*'.repeat([...person.name].length - 1)}`);
    expect(text).toContain('Policy mask (role analyst)');
    // The rows as loaded are a steward's only: the page says so rather than showing empty tables.
    expect(text).toContain('The source columns (the rows as loaded) are withheld under policy mask');
    const found = /^Found in (\d+) system\(s\)\.$/.exec((await page.locator('#lookup-status').textContent()) ?? '');
    expect(Number(found?.[1])).toBeGreaterThanOrEqual(person.systems);
    for (const heading of ['Golden person', 'Conflicts', 'Records by system', 'Relations', 'Aliases']) {
      await page.getByRole('heading', { name: new RegExp(heading) }).first().waitFor();
    }
    const html = await pageHtml(page);
    for (const [what, value] of Object.entries({ 'ID number': person.code, '15-digit number': person.old, name: person.name, phone: person.phone })) {
      if (value) expect(html.includes(value), `the analyst's page holds the ${what} in clear`).toBe(false);
    }
    // The code typed stays in the search box (the analyst typed it), and nowhere in the URL.
    expect(page.url()).toBe(`${site.origin}/#lookup`);
    expectNoProblems(page);
  });

  it('shows the licences an agency holds, each with its state today', async () => {
    const sql = "SELECT one_code, count(*)::INT AS n FROM records WHERE entity = 'licence' AND code_kind = 'uscc' AND one_code IS NOT NULL GROUP BY ALL ORDER BY one_code LIMIT 1";
    const answer = (await (await site.api.request('/api/v1/query', { method: 'POST', role: 'steward', body: { sql } })).json()) as { rows: [string, number][] };
    const [holder, held] = answer.rows[0]!;
    const page = await signedIn('steward');
    await lookUp(page, holder);
    const section = page.locator('article.lookup section.licences');
    expect(await section.getByRole('heading', { name: /Licences/ }).innerText()).toContain(`(${held})`);
    const states = await section.locator('tbody tr td:nth-child(3)').allInnerTexts();
    expect(states).toHaveLength(held);
    for (const state of states) expect(['valid', 'not_yet_valid', 'expired', 'revoked']).toContain(state);
  });

  it('shows a steward the same person in clear, and both accesses are in the audit', async () => {
    const { person } = site;
    const page = await signedIn('steward');
    await lookUp(page, person.old);
    const lookup = page.locator('article.lookup');
    expect(await lookup.getByRole('heading', { name: /One code/ }).innerText()).toContain(person.code);
    const golden = lookup.locator('table.golden');
    expect(await golden.innerText()).toContain(person.name);
    expect(await lookup.innerText()).toContain('Policy clear (role steward)');
    // Lineage: the name comes from a record of a named system.
    const nameRow = golden.locator('tr', { hasText: 'Name' });
    expect(await nameRow.locator('td').nth(2).innerText()).toMatch(/^\S.* · [a-z-]+ · key .+ · run r\d+$/);
    // The aliases list the old number, and the systems are those of the records.
    expect(await lookup.locator('section', { has: page.getByRole('heading', { name: /Aliases/ }) }).innerText()).toContain(person.old);
    expect(await lookup.locator('section.system').count()).toBeGreaterThanOrEqual(person.systems);
    // A steward sees the systems' own columns, and the conflicts worked out from them.
    expect(await lookup.locator('table.records th').allInnerTexts()).toContain('姓名');
    expect(await lookup.innerText()).toContain('Compared here: source columns of the same name');

    const audit = await site.api.request(`/api/v1/audit?code=${person.code}`, { role: 'steward' });
    expect(audit.status).toBe(200);
    const { accesses } = (await audit.json()) as { accesses: Array<{ who: string; role: string; channel: string; action: string; policy: string }> };
    const lookups = accesses.filter((a) => a.action === 'lookup').map((a) => ({ who: a.who, role: a.role, channel: a.channel, policy: a.policy }));
    expect(lookups).toEqual(expect.arrayContaining([
      { who: site.names.analyst, role: 'analyst', channel: 'console', policy: 'mask' },
      { who: site.names.steward, role: 'steward', channel: 'console', policy: 'clear' },
    ]));
    expectNoProblems(page);
  });

  it('says so for a code that is no identifier, and looks up a related code on a click', async () => {
    const page = await signedIn('steward');
    await page.getByLabel(/Resident ID number/).fill('12345');
    await page.getByRole('button', { name: /Look up/ }).click();
    await page.locator('#lookup-status').filter({ hasText: 'That is not a valid ID number' }).waitFor();
    expect(await page.locator('#lookup-result').innerText()).toBe('');

    await lookUp(page, site.person.code);
    const employer = page.locator('section', { has: page.getByRole('heading', { name: /Relations/ }) }).locator('button.code-link').first();
    const related = (await employer.innerText()).trim();
    await employer.click();
    await page.locator('h3', { hasText: related }).waitFor();
    expect(await page.locator('#code').inputValue()).toBe(related);
    // The server answers 400 for the bad code: Chromium logs that failed request as an error.
    expect(problems.get(page)!.filter((p) => !p.includes('status of 400'))).toEqual([]);
  });

  it('lists every sample pipeline with its runs and charts; an analyst gets no Run now button', async () => {
    const names = (await readdir(path.join(REPO, 'pipelines'))).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    const page = await signedIn('analyst');
    await page.getByRole('link', { name: /Pipelines/ }).click();
    await page.locator('#pipelines-status').filter({ hasText: `${names.length} pipeline(s).` }).waitFor();
    const sections = page.locator('section.pipeline');
    expect(await sections.locator('h3').evaluateAll((hs) => hs.map((h) => h.firstChild?.textContent).sort())).toEqual(names);
    for (const name of names) {
      const section = page.locator(`#pipeline-${name}`);
      expect(await section.locator('table.runs tbody tr').count(), name).toBeGreaterThanOrEqual(1);
      expect(await section.locator('table.runs tbody tr').first().locator('td').nth(2).innerText()).toBe('succeeded');
      expect(await section.locator('figure.chart').count()).toBe(3);
      // The dispositions chart draws the run's loaded rows; the reasons and flags charts name what the API counts.
      const charts = section.locator('figure.chart');
      expect(await charts.nth(0).locator('rect.d-loaded').count()).toBeGreaterThanOrEqual(1);
      const { runs } = (await (await site.api.request(`/api/v1/pipelines/${name}/runs?limit=20`, { role: 'analyst' })).json()) as { runs: Array<{ reason_summary: Record<string, unknown> | null; started_at: string }> };
      // Times as the index shows them, in China Standard Time with the offset, whatever the browser's zone (UTC here).
      const started = new Date(Date.parse(runs[0]!.started_at.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
      expect(await section.locator('table.runs tbody tr').first().locator('td').nth(3).innerText(), name).toBe(`${started}+08:00`);
      const reasons = new Set(runs.flatMap((r) => Object.keys(r.reason_summary ?? {})));
      expect(new Set(await charts.nth(1).locator('ul.legend li').allInnerTexts()), name).toEqual(reasons);
      const { flags } = (await (await site.api.request(`/api/v1/pipelines/${name}/flags`, { role: 'analyst' })).json()) as { flags: Array<{ flag: string }> };
      expect(new Set(await charts.nth(2).locator('ul.legend li').allInnerTexts()), name).toEqual(new Set(flags.map((f) => f.flag)));
      expect(reasons.size + flags.length, name).toBeGreaterThan(0);
    }
    expect(await page.locator('button.run-now').count()).toBe(0);
    expectNoProblems(page);
  });

  it("starts a run on an operator's Run now and shows it when it has ended", async () => {
    const page = await signedIn('operator');
    expect(await page.locator('#nav-lookup').isHidden()).toBe(true);
    const section = page.locator('#pipeline-bookkeeping-agencies');
    const firstRun = section.locator('table.runs tbody tr').first().locator('td').first();
    await firstRun.waitFor();
    const before = Number((await firstRun.innerText()).slice(1));

    await section.getByRole('button', { name: /Run now/ }).click();
    const result = section.locator('.run-result');
    await result.filter({ hasText: /^Run #\d+ / }).waitFor({ timeout: 180_000 });
    const said = await result.innerText();
    expect(said).toMatch(/^Run #\d+ succeeded: \d+ read, \d+ loaded, \d+ duplicates, \d+ quarantined, \d+ change events\.$/);
    const runNo = Number(/^Run #(\d+)/.exec(said)![1]);
    expect(runNo).toBeGreaterThan(before);
    await firstRun.filter({ hasText: `#${runNo}` }).waitFor();

    const runs = await site.api.request('/api/v1/pipelines/bookkeeping-agencies/runs?limit=1', { role: 'operator' });
    const [newest] = ((await runs.json()) as { runs: Array<{ run_no: number; status: string }> }).runs;
    expect(newest).toMatchObject({ run_no: runNo, status: 'succeeded' });
    expectNoProblems(page);
  }, 240_000);
});
