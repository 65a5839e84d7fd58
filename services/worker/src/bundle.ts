/**
 * `node src/bundle.ts <file>`: bundles the workflows ahead of time (webpack, as the worker would at
 * start) into <file>, for WORKFLOW_BUNDLE. The image does this at build, so its worker starts
 * without bundling: faster, with less memory, and without loading swc's native addon at run time.
 * With WEBPACK_CACHE_DIR, webpack keeps its persistent cache there (bundle-cache.ts sets it), so the
 * next bundle rebuilds only the modules that changed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { oneOtelApi } from './tracing.ts';
import { bundleWorkflows } from './worker.ts';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node src/bundle.ts <output file>');
  process.exit(2);
}
const cacheDirectory = process.env.WEBPACK_CACHE_DIR?.trim();
const { code } = await bundleWorkflows(
  cacheDirectory
    ? {
        webpackConfigHook: (config) => ({
          ...oneOtelApi(config),
          // The bundle's own configuration is a build dependency: changed, the whole cache is dropped.
          cache: {
            type: 'filesystem',
            cacheDirectory,
            buildDependencies: {
              config: [path.join(import.meta.dirname, 'worker.ts'), path.join(import.meta.dirname, 'tracing.ts')],
            },
          },
        }),
      }
    : {},
);
writeFileSync(file, code);
console.log(`workflow bundle: ${file} (${Math.round(code.length / 1024)} KiB)`);
