/**
 * `node src/bundle.ts <file>`: bundles the workflows ahead of time (webpack, as the worker would at
 * start) into <file>, for WORKFLOW_BUNDLE. The image does this at build, so its worker starts
 * without bundling: faster, with less memory, and without loading swc's native addon at run time.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflows } from './worker.ts';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node src/bundle.ts <output file>');
  process.exit(2);
}
const { code } = await bundleWorkflows();
writeFileSync(file, code);
console.log(`workflow bundle: ${file} (${Math.round(code.length / 1024)} KiB)`);
