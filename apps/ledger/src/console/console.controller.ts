import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConsoleAssets } from './console-assets';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>console not built</title></head>
<body><h1>console not built: run npm run build</h1>
<p>The scim-ledger console is served from <code>dist/console</code>, which <code>npm run build</code> (or <code>npm run build:console</code>) creates.</p>
</body></html>
`;

/** The page holds no data (every API call carries the user's token), so it is served without one. */
const HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The auditor and on-call console: the Vite build in dist/console under /console, with the
 * single-page app's index.html answering every path that is not a file of the build.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get(['', '*path'])
  serve(@Req() request: Request, @Res() response: Response): void {
    for (const [name, value] of Object.entries(HEADERS)) response.setHeader(name, value);
    const root = this.assets.root();
    if (!root) {
      response.status(503).setHeader('Cache-Control', 'no-store');
      response.type('html').send(NOT_BUILT);
      return;
    }
    const inside = decodeSafely(request.path.replace(/^\/console\/?/, ''));
    const file = inside === null ? null : this.assets.file(root, inside);
    if (file) {
      // Vite names built assets by content hash, so they never change under their name.
      const immutable = inside!.startsWith('assets/');
      response.sendFile(file, { headers: { 'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' }, dotfiles: 'deny' });
      return;
    }
    if (inside === null || ConsoleAssets.looksLikeAsset(inside)) {
      response.status(404).type('text/plain').send(`no such file in the console build: ${request.path}`);
      return;
    }
    response.sendFile(`${root}/index.html`, { headers: { 'Cache-Control': 'no-cache' } });
  }
}

function decodeSafely(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}
