/**
 * Debian's Chromium for end-to-end tests, driven by playwright-core (which brings no browser of its own).
 * Found through KEYWARDEN_CHROMIUM, then `chromium` on PATH, then /usr/bin/chromium.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary, or null when this machine has none. */
export function findChromium(): string | null {
  const override = process.env.KEYWARDEN_CHROMIUM;
  if (override) return executable(override) ? override : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  return executable('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}

/**
 * Whether end-to-end tests can run. Without Chromium they are skipped with a loud message on a developer's
 * machine, but in CI (CI set) a missing browser is an error: a green run must have driven a real browser.
 */
export function chromiumForTests(suite: string): { path: string | null; skip: boolean } {
  const path = findChromium();
  if (path) return { path, skip: false };
  if (process.env.CI) return { path: null, skip: false };
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!!! SKIPPED: ${suite}\n!!! Chromium was not found (KEYWARDEN_CHROMIUM, chromium on PATH, /usr/bin/chromium).\n!!! Install Debian's package: apt-get install chromium. In CI (CI set) this is a failure, not a skip.\n${line}\n`,
  );
  return { path: null, skip: true };
}

export async function launchChromium(executablePath: string | null): Promise<Browser> {
  if (!executablePath) {
    throw new Error(
      'Chromium is required (CI is set) but was not found: install Debian package chromium or set KEYWARDEN_CHROMIUM',
    );
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
