/**
 * The console's files, read on first use and kept: the pages' own (services/api/console/, flat)
 * and the front-end libraries' ES modules from node_modules (the versions package.json pins), served
 * under /console/vendor/. Only the files listed here are served: no path from a URL reaches the disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pagesDir = fileURLToPath(new URL('../console/', import.meta.url));

/** URL path under /console/ → file: the libraries the import map in index.html names. */
const vendor: Record<string, string> = {
  'vendor/preact.mjs': require.resolve('preact'),
  'vendor/hooks.mjs': require.resolve('preact/hooks'),
  'vendor/htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
};

type Asset = { type: string; body: Buffer };
let assets: Map<string, Asset> | undefined;

function load(): Map<string, Asset> {
  const files = Object.entries(vendor);
  for (const name of readdirSync(pagesDir)) files.push([name, join(pagesDir, name)]);
  // koa's ctx.type takes an extension; .mjs is JavaScript.
  return new Map(
    files.map(([path, file]) => [path, { type: extname(file).replace('.mjs', '.js'), body: readFileSync(file) }]),
  );
}

/** One console file by its path under /console/, or undefined. */
export function consoleAsset(path: string): Asset | undefined {
  assets ??= load();
  return assets.get(path);
}

export const consoleIndex = (): Buffer | undefined => consoleAsset('index.html')?.body;
