/**
 * A stand-in for a deployed site: a folder served on 127.0.0.1 (GET and HEAD only).
 * Pipelines whose later stages check a deployed environment (smoke tests, "wait until
 * the URL answers") can then run locally against it, with `--site Param=dir` setting
 * the template parameter that holds the environment's URL.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep } from 'node:path';

export interface StaticSite {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.csv': 'text/csv',
};

const escapeHtml = (text: string) => text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`);

export async function startStaticSite(directory: string): Promise<StaticSite> {
  const root = await realpath(directory);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://site').pathname);
      const target = resolve(root, `.${path}`);
      const inside = relative(root, target);
      const found =
        inside.startsWith(`..${sep}`) || inside === '..'
          ? undefined
          : await stat(target).catch(() => undefined);
      if (found?.isFile()) {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
          'Content-Length': found.size,
        });
        if (req.method === 'HEAD') res.end();
        else createReadStream(target).pipe(res);
        return;
      }
      if (found?.isDirectory()) {
        const index = join(target, 'index.html');
        if ((await stat(index).catch(() => undefined))?.isFile()) {
          res.writeHead(200, { 'Content-Type': TYPES['.html'] as string });
          if (req.method === 'HEAD') res.end();
          else createReadStream(index).pipe(res);
          return;
        }
        const names = (await readdir(target)).sort();
        const body = `<!doctype html><title>${escapeHtml(path)}</title><ul>${names.map((name) => `<li>${escapeHtml(name)}</li>`).join('')}</ul>\n`;
        res.writeHead(200, { 'Content-Type': TYPES['.html'] as string });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
