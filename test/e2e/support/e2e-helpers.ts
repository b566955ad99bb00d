/** Small helpers the browser tests share: a free port for the real server, and axe's serious findings. */
import { createServer } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** A port nothing listens on now, on 127.0.0.1 (the server listens there; WebAuthn needs it before start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Issue 6: "@axe-core/playwright reports no serious or critical violation on any page". The serious and
 * critical findings on `page`, one line each (`label: rule: help (elements)`), for a test to expect [].
 */
export async function seriousAxeViolations(
  page: Page,
  label: string,
  options: { exclude?: string } = {},
): Promise<string[]> {
  let builder = new AxeBuilder({ page: page as never });
  if (options.exclude) builder = builder.exclude(options.exclude);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
