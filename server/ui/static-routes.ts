// Serves the dashboard: a static page and its ES modules from ./public, and
// uPlot straight from node_modules. No build step and no framework: the files
// are small, read once at start and answered from memory with an ETag.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// The page's own files only, and no inline script or style: a check message
// that slipped into the DOM as markup could still not run anything.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** ./public next to this file (the sources, and the server's build, which copies it); from tsc's dist/, the sources' copy. */
function publicDir(): string {
  const here = fileURLToPath(new URL('./public/', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../../../server/ui/public/', import.meta.url));
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

export function loadAssets(): Map<string, Asset> {
  const dir = publicDir();
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, asset(readFileSync(join(dir, name)), type));
  }
  // The server's build carries uPlot in its public/ (cli/build-server.ts), where there is no node_modules of it.
  for (const name of ['uPlot.esm.js', 'uPlot.min.css'].filter((file) => !assets.has(file))) {
    const path = fileURLToPath(import.meta.resolve(`uplot/dist/${name}`));
    assets.set(name, asset(readFileSync(path), TYPES[extname(name)]!));
  }
  return assets;
}

export function dashboardStaticRoutes(app: FastifyInstance, assets: Map<string, Asset> = loadAssets()): void {
  const send = (name: string) => {
    const found = assets.get(name)!;
    return {
      found,
      headers: {
        'content-type': found.type,
        etag: found.etag,
        // Revalidate every time: a new version must show at once, and a 304 on localhost costs nothing.
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(found.type.startsWith('text/html')
          ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' }
          : {}),
      },
    };
  };
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { found, headers } = send('index.html');
    if (request.headers['if-none-match'] === found.etag) return reply.status(304).headers(headers).send();
    return reply.headers(headers).send(found.body);
  });
  app.get('/ui/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!assets.has(file)) return reply.callNotFound();
    const { found, headers } = send(file);
    if (request.headers['if-none-match'] === found.etag) return reply.status(304).headers(headers).send();
    return reply.headers(headers).send(found.body);
  });
}
