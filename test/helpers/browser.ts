import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: no browser is downloaded at run time. `.ci/run`
 * installs it with apt; MULTIENTITY_CHROMIUM points elsewhere (another distribution's path).
 */
export const chromiumPath = process.env.MULTIENTITY_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches Chromium, or fails with how to install it: the browser tests never pass by skipping. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser tests (the console's, the /docs page's) drive Chromium, and ${chromiumPath} is missing. Install it with:\n` +
        '  sudo apt-get install chromium\n' +
        'or point MULTIENTITY_CHROMIUM at a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args: ARGS, timeout: 30_000 });
}
