import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), driven by playwright-core: no browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** The browser the console's tests and its benchmark drive, with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
