/**
 * Log redaction (logger.ts): a secret at each path where one can appear is replaced, in a line made by
 * the platform's own logger configuration; a line without secrets is left as it was.
 */
import { Writable } from 'node:stream';
import { REDACTED_PATHS, createLogger } from '../src/logger.ts';

/** A logger with the platform's options, writing its lines into an array. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger(sink);
  log.level = 'info'; // whatever LOG_LEVEL the test run has
  return { log, lines };
}

/** `{ a: { b: value } }` for the path `a.b`. */
const at = (path: string, value: unknown): Record<string, unknown> =>
  path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], o);

describe('log redaction', () => {
  it.each(REDACTED_PATHS)('replaces a secret at %s', (path) => {
    const { log, lines } = capture();
    const secret = `Bearer secret-${path}`;
    log.warn({ ...at(path, secret), orderId: 'ORD-1' }, 'with a secret');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(get(line, path)).toBe('[redacted]');
    expect(JSON.stringify(line)).not.toContain('secret-');
    expect(line).toMatchObject({ orderId: 'ORD-1', msg: 'with a secret' });
  });

  it('redacts the Authorization header among the other headers, and keeps the rest', () => {
    const { log, lines } = capture();
    const headers = { authorization: 'Bearer sk_test_x', 'content-type': 'application/json' };
    log.info({ req: { method: 'POST', headers }, headers }, 'request');
    expect(lines[0]).toMatchObject({
      req: { method: 'POST', headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
      headers: { authorization: '[redacted]', 'content-type': 'application/json' },
    });
    // The caller's object is left as it was.
    expect(headers.authorization).toBe('Bearer sk_test_x');
  });

  it('leaves a line without secrets as it was', () => {
    const { log, lines } = capture();
    const chaos = { operation: 'authorize', outcome: 'success', forced: false, attempt: 0, latencyMs: 0 };
    log.info({ method: 'POST', path: '/payment/authorize', status: 201, durationMs: 1, chaos }, 'request');
    expect(lines[0]).toMatchObject({ method: 'POST', path: '/payment/authorize', status: 201, chaos, level: 'info' });
  });
});
