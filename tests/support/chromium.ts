/**
 * A real headless Chromium for the console's tests: Debian's package (`apt-get install chromium`,
 * which .ci/run does), driven by playwright-core, which downloads no browser of its own.
 */
import { access, constants } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The switches Chromium is started with: headless, no sandbox (CI runs as root), nothing that
 * reaches the network on its own (QUIC, background fetches, component updates, sync), no
 * first-run dialogs. Playwright adds a fresh `--user-data-dir` in a temporary folder for every
 * launch and removes it on close (it refuses one given here), so no profile is shared between runs.
 */
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

/**
 * Launches Chromium from {@link CHROMIUM_PATH}.
 * @throws Error naming the package to install when the browser is missing: a test that needs it
 *   fails, it is never skipped.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_PATH} not found: the console tests need Chromium from Debian's packages (apt-get install -y chromium fonts-wqy-microhei; .ci/run installs both)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}
