/** The orders benchmark's reading of the worker's schedule-to-start histograms (tools/bench/half-rate.ts). */
import { histogramBuckets, quantileBound } from '../tools/bench/half-rate.ts';

const scrape = (counts: Record<string, [number, number]>) =>
  Object.entries(counts)
    .flatMap(([le, [a, b]]) => [
      `temporal_activity_schedule_to_start_latency_bucket{task_queue="a",le="${le}"} ${a}`,
      `temporal_activity_schedule_to_start_latency_bucket{task_queue="b",le="${le}"} ${b}`,
    ])
    .concat('temporal_activity_schedule_to_start_latency_count{task_queue="a"} 1', 'other_bucket{le="1"} 9')
    .join('\n');

describe('schedule-to-start from the worker’s histograms', () => {
  it('sums each bucket over the other labels, by its bound', () => {
    const text = scrape({ '50': [1, 2], '100': [3, 4], '+Inf': [5, 5] });
    const buckets = histogramBuckets(text, ['temporal_activity_schedule_to_start_latency']);
    expect([...(buckets.get('temporal_activity_schedule_to_start_latency') ?? [])]).toEqual([
      [50, 3],
      [100, 7],
      [Infinity, 10],
    ]);
  });

  it('gives the bound of the bucket holding the quantile of what was observed between two scrapes', () => {
    const name = 'temporal_activity_schedule_to_start_latency';
    const at = (counts: Record<string, [number, number]>) => histogramBuckets(scrape(counts), [name]).get(name)!;
    const before = at({ '50': [10, 0], '100': [10, 0], '500': [10, 0], '+Inf': [10, 0] });
    // Between the scrapes: 98 under 50 ms, 1 in (50, 100], 1 in (100, 500].
    const after = at({ '50': [108, 0], '100': [109, 0], '500': [110, 0], '+Inf': [110, 0] });
    expect(quantileBound(before, after, 0.5)).toBe(50);
    expect(quantileBound(before, after, 0.99)).toBe(100);
    expect(quantileBound(before, after, 1)).toBe(500);
    expect(quantileBound(before, before, 0.99)).toBeUndefined();
  });
});
