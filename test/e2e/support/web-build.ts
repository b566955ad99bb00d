/**
 * The built web app for end-to-end tests: builds web/dist with Vite when it is missing or older than any
 * source file, so `npm test` from a clean clone drives the real bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const REPO = new URL('../../../', import.meta.url).pathname;
const WEB = join(REPO, 'web');
export const WEB_DIST = join(WEB, 'dist');

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

export function ensureWebBuilt(): string {
  const index = join(WEB_DIST, 'index.html');
  const sources = Math.max(
    newestSource(join(WEB, 'src')),
    newestSource(join(WEB, 'index.html')),
    newestSource(join(WEB, 'vite.config.ts')),
    newestSource(join(REPO, 'src', 'domain', 'console', 'console-roles.ts')),
  );
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    execFileSync(
      process.execPath,
      [
        join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(WEB, 'vite.config.ts'),
        '--logLevel',
        'warn',
      ],
      {
        cwd: REPO,
        stdio: 'inherit',
        // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
  }
  return WEB_DIST;
}
