/**
 * The workflow bundle of a worker started without WORKFLOW_BUNDLE but with WORKFLOW_BUNDLE_CACHE (what
 * `make up` runs): made once per content of the code it is made from, then reused, so a restart or a
 * change outside that code starts the worker without bundling.
 *
 * The bundle's name is a hash of what webpack reads: the Node.js version, package-lock.json and every
 * file under the worker's and the kernel's src (the workflows import from both). Any byte changed
 * there makes a new name; a file's time alone does not. A missing bundle is made by bundle.ts in a
 * child process, so webpack's memory goes with it instead of staying in the worker, and with
 * webpack's persistent cache in the same folder, so a one-file change rebuilds in seconds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../../..');
/** What the bundle is made from, relative to the repository root. */
export const BUNDLE_INPUTS = ['package-lock.json', 'services/kernel/src', 'services/worker/src'];
/** Bundles kept in the cache: today's and the few before it (switching branches back and forth). */
const KEEP = 4;
const PREFIX = 'workflow-bundle-';

/** Every file under `inputs` (files or folders, relative to `base`), sorted, with its path. */
function inputFiles(base: string, inputs: string[]): string[] {
  return inputs
    .flatMap((input) => {
      const full = path.join(base, input);
      if (!fs.statSync(full).isDirectory()) return [input];
      return fs
        .readdirSync(full, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(base, path.join(e.parentPath, e.name)));
    })
    .sort();
}

/** The hash naming the bundle of these inputs: each file's path and content, and the Node.js version. */
export function bundleKey(base: string = root, inputs: string[] = BUNDLE_INPUTS): string {
  const hash = createHash('sha256').update(process.version);
  for (const file of inputFiles(base, inputs))
    hash.update(`\0${file}\0`).update(fs.readFileSync(path.join(base, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundle of today's code in `cacheDir`, made first if missing (`built` says so). Two workers
 * starting at once both make it; each writes its own file and renames it into place.
 */
export async function cachedWorkflowBundle(cacheDir: string): Promise<{ file: string; built: boolean }> {
  const file = path.join(cacheDir, `${PREFIX}${bundleKey()}.js`);
  if (fs.existsSync(file)) return { file, built: false };
  fs.mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, 'bundle.ts'), partial], {
    cwd: path.join(root, 'services/worker'),
    env: { ...process.env, WEBPACK_CACHE_DIR: path.join(cacheDir, 'webpack') },
  });
  fs.renameSync(partial, file);
  prune(cacheDir);
  return { file, built: true };
}

/** Removes all but the KEEP most recently made bundles, and partial files an hour old (a crash's). */
function prune(cacheDir: string): void {
  const made = fs
    .readdirSync(cacheDir)
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => ({ name, made: fs.statSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.made - a.made);
  const stale = [
    ...made.filter(({ name }) => name.endsWith('.js')).slice(KEEP),
    ...made.filter(({ name, made }) => name.endsWith('.partial') && made < Date.now() - 3_600_000),
  ];
  for (const { name } of stale) fs.rmSync(path.join(cacheDir, name), { force: true });
}
