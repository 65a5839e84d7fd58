/**
 * The third-party charts of k8s/charts.yaml, as archives in .tools/charts/ (git-ignored):
 *
 *   node tools/k8s/charts.ts pull          (make charts) pulls each pinned chart not there yet
 *   node tools/k8s/charts.ts path <name>   prints the archive of <name>; exit 1 when not pulled
 *
 * `make k8s-deploy` and the Tiltfile install from these archives, so they need no chart repository
 * when they run. Pulling needs the charts' repositories, which this project's CI cannot reach.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface PinnedChart {
  name: string;
  repo: string;
  version: string;
}

const root = resolve(import.meta.dirname, '../..');
/** FAKE_STRIPE_CHARTS_DIR: another folder (the tests point it at an empty one). */
export const chartsDir = process.env.FAKE_STRIPE_CHARTS_DIR || join(root, '.tools/charts');
export const pinnedCharts = (): PinnedChart[] =>
  (parse(readFileSync(join(root, 'k8s/charts.yaml'), 'utf8')) as { charts: PinnedChart[] }).charts;
/** Where `helm pull` leaves a chart's archive. */
export const archive = (c: PinnedChart): string => join(chartsDir, `${c.name}-${c.version}.tgz`);

function main(argv: string[]): number {
  const [command, name] = argv;
  const charts = pinnedCharts();
  if (command === 'pull') {
    mkdirSync(chartsDir, { recursive: true });
    const helm = join(root, '.tools/bin/helm');
    for (const c of charts) {
      if (existsSync(archive(c))) {
        console.log(`${c.name} ${c.version}: ${archive(c)} (already pulled)`);
        continue;
      }
      execFileSync(helm, ['pull', c.name, '--repo', c.repo, '--version', c.version, '--destination', chartsDir], {
        stdio: 'inherit',
      });
      if (!existsSync(archive(c))) throw new Error(`helm pull left no ${archive(c)}`);
      console.log(`${c.name} ${c.version}: ${archive(c)}`);
    }
    return 0;
  }
  if (command === 'path' && name) {
    const c = charts.find((x) => x.name === name);
    if (!c) {
      console.error(`no chart ${name} in k8s/charts.yaml (have: ${charts.map((x) => x.name).join(', ')})`);
      return 2;
    }
    if (!existsSync(archive(c))) {
      console.error(`${archive(c)} is missing: run make charts first (it needs the chart repositories)`);
      return 1;
    }
    console.log(archive(c));
    return 0;
  }
  console.error('usage: node tools/k8s/charts.ts pull | path <name>');
  return 2;
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
