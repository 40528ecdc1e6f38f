import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard: web/index.html + web/src → web/dist, served by the API at `/`.
// Everything is bundled (lightweight-charts included): the page loads nothing from elsewhere.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
