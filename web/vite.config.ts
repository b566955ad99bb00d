/**
 * The web app's build: one app (kiosk and console, routed in the browser) into web/dist, served by the
 * Keywarden server itself (src/web/web-app.routes.ts). `npm run build:web`; `npm run dev:web` proxies the
 * API to a server on 127.0.0.1:8080.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's Content-Security-Policy allows no inline script: never inline the module preload helper.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
