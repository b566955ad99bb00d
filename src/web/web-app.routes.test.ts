/** The web app's routes: pages, bundles, security headers, and a clear answer when it is not built. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../http/error-mapping.js';
import { WEB_CONTENT_SECURITY_POLICY, webAppProblem, webAppRoutes } from './web-app.routes.js';

async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  await app.register(webAppRoutes, { root });
  return app;
}

describe('web app routes', () => {
  let built: FastifyInstance;
  let missing: FastifyInstance;
  let emptyRoot: string;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'keywarden-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/assets/app-1.js"></script>',
    );
    writeFileSync(join(root, 'assets', 'app-1.js'), 'console.log(1)');
    built = await serve(root);
    emptyRoot = mkdtempSync(join(tmpdir(), 'keywarden-web-missing-'));
    missing = await serve(emptyRoot);
  });

  afterAll(async () => {
    await built.close();
    await missing.close();
  });

  it('answers every page of the app with index.html and the security headers', async () => {
    for (const url of ['/kiosk', '/kiosk/central-a', '/console', '/console/people']) {
      const response = await built.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('/assets/app-1.js');
      expect(response.headers['content-security-policy']).toBe(WEB_CONTENT_SECURITY_POLICY);
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    expect(WEB_CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(WEB_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('serves bundles as immutable, and 404 for a bundle that is not there', async () => {
    const asset = await built.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-security-policy']).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect((await built.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode).toBe(404);
    expect((await built.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).toBe(404);
  });

  it('says how to build the app when web/dist is missing', async () => {
    expect(webAppProblem(emptyRoot)).toMatch(/npm run build:web/);
    const response = await missing.inject({ method: 'GET', url: '/console' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'web_not_built' });
    expect(response.json().error.message).toContain('npm run build:web');
  });
});
