/** The polling helper every test waits with: it must resolve with the value waited for, or fail saying what it waited for. */
import { eventually } from '../src/testing.ts';

describe('eventually', () => {
  it('resolves with the first value read that is the one waited for, retrying reads that throw', async () => {
    let reads = 0;
    const value = await eventually(
      () => {
        reads++;
        if (reads === 1) throw new Error('not up yet');
        return { reads };
      },
      'the third read',
      { until: (v) => v.reads >= 3, intervalMs: 1 },
    );
    expect(value).toEqual({ reads: 3 });
    expect(reads).toBe(3);
  });

  it('waits for a truthy value when no condition is given', async () => {
    const values = [undefined, 0, '', 'ready'];
    expect(await eventually(() => values.shift(), 'a truthy value', { intervalMs: 1 })).toBe('ready');
  });

  it('fails after the timeout, naming what it waited for and the last value read', async () => {
    const started = Date.now();
    await expect(
      eventually(() => Promise.resolve({ status: 'running' }), 'the order to ship', {
        until: (v) => v.status === 'shipped',
        timeoutMs: 200,
        intervalMs: 10,
      }),
    ).rejects.toThrow("timed out after 200 ms waiting for the order to ship (last: { status: 'running' })");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('reports the last error when every read threw', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('connection refused');
        },
        'the service',
        { timeoutMs: 50 },
      ),
    ).rejects.toThrow(/waiting for the service \(last: Error: connection refused/);
  });
});
