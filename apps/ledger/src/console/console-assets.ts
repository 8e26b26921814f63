import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

/**
 * Where the built console is: dist/console at the repository root (`npm run build:console`).
 * The same code runs from source (tests, apps/ledger/src/console) and from the compiled build
 * (dist/apps/ledger/src/console), so both relative spots are tried; the first one that holds an
 * index.html wins, checked per request so a build made while the service runs is picked up.
 */
export class ConsoleAssets {
  private readonly candidates: string[];

  constructor(root?: string) {
    this.candidates = root ? [resolve(root)] : [resolve(__dirname, '../../../../dist/console'), resolve(__dirname, '../../../../console')];
  }

  /** The build directory, or null when the console has not been built. */
  root(): string | null {
    return this.candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
  }

  /** A file of the build for a path under /console/, or null; never anything outside the build. */
  file(root: string, requested: string): string | null {
    if (requested.includes('\0')) return null;
    const full = resolve(root, `.${sep}${requested}`);
    if (full !== root && !full.startsWith(root + sep)) return null;
    try {
      return statSync(full).isFile() ? full : null;
    } catch {
      return null;
    }
  }

  /** Paths that name a file (an extension) are assets: a miss is a 404, not the app. */
  static looksLikeAsset(path: string): boolean {
    return extname(path) !== '';
  }
}
