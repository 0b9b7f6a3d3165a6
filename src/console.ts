import express, { Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run build` writes the console (src/admin, built by Vite). */
export const DEFAULT_CONSOLE_DIR = path.resolve('dist/admin');

/**
 * No inline script or style element, nothing from another origin: the console ships all it
 * uses. (Inline style *properties* React sets through the DOM are not governed by CSP.)
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The product owners' console at /admin: its built files, and index.html for every page path it routes itself. */
export function consoleRouter(dir: string = DEFAULT_CONSOLE_DIR): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  router.use('/admin', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // Hashed file names: a build's assets never change, so they may be cached for good.
  router.use('/admin/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.get(['/admin', '/admin/*path'], (_req, res) => {
    if (!fs.existsSync(index)) {
      res.status(503).type('text').send('The console is not built: run npm run build (npm start does), then reload.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
