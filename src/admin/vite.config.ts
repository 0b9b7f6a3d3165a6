import react from '@vitejs/plugin-react';
import path from 'node:path';
import { defineConfig } from 'vite';

// The console is served by Strata at /admin from dist/admin; everything it loads ships
// with it (no CDN, no external font).
export default defineConfig({
  root: __dirname,
  base: '/admin/',
  plugins: [react()],
  build: { outDir: path.resolve(__dirname, '../../dist/admin'), emptyOutDir: true, sourcemap: true, reportCompressedSize: false },
});
