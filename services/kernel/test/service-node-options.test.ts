/**
 * SERVICE_NODE_OPTIONS, the Node options of every service process: the image sets the same, and
 * under them V8's young generation stays within its cap where, left alone, it grows past it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/testing.ts';
import { SERVICE_NODE_OPTIONS } from '../src/local-stack.ts';

/** The young generation's size (MB) in a Node process that allocated 200 MB of short-lived objects. */
function youngGenerationMb(nodeOptions: string): number {
  const script = `
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x'.repeat(50) }); if (keep.length > 1e4) keep = []; }
    const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    console.log(s.space_size / 1048576);`;
  const run = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  expect(run.stderr).toBe('');
  return Number(run.stdout.trim());
}

describe('SERVICE_NODE_OPTIONS', () => {
  it('are the NODE_OPTIONS of the services’ image', () => {
    const dockerfile = readFileSync(join(repoRoot, 'services/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^\\s+NODE_OPTIONS=${SERVICE_NODE_OPTIONS}(\\s|$)`, 'm'));
  });

  it('cap the young generation at 8 MB a semi-space, which Node’s defaults let grow past', () => {
    expect(SERVICE_NODE_OPTIONS).toBe('--max-semi-space-size=8');
    expect(youngGenerationMb(SERVICE_NODE_OPTIONS)).toBeLessThanOrEqual(3 * 8);
    expect(youngGenerationMb('')).toBeGreaterThan(3 * 8);
  });
});
