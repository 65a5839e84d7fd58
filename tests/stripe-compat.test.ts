/**
 * The side-by-side probes of `make bench` (tools/bench/stripe-compat.ts) against the payment service:
 * every capability the bench's table claims for it must hold, through the official `stripe` SDK.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_STRIPE_SECRET_KEY } from '@fake-stripe/kernel';
import { startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createPaymentService, envSchema } from '@fake-stripe/payment';
import { capabilities, probeAll, stripeClient } from '../tools/bench/stripe-compat.ts';

const dir = tempDir('fake-stripe-compat-');
let payment: Running;

beforeAll(async () => {
  const chaosFile = join(dir.dir, 'chaos.json');
  writeFileSync(chaosFile, JSON.stringify({ profile: 'off' }));
  payment = await startInProcess(createPaymentService, { DATA_DIR: dir.dir, CHAOS_FILE: chaosFile }, envSchema);
});
afterAll(async () => {
  await payment?.close();
  dir.remove();
});

describe('the Stripe capabilities the benchmark compares', () => {
  it('all hold on the payment service', async () => {
    const results = await probeAll(stripeClient(payment.url, LOCAL_STRIPE_SECRET_KEY), `${Date.now()}`);
    expect(results.map((r) => r.name)).toEqual(capabilities.map((c) => c.name));
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('report a capability that does not hold, with the reason', async () => {
    // A key the service does not accept: every probe fails, each naming why.
    const results = await probeAll(stripeClient(payment.url, 'sk_test_not_configured'), 'wrong-key');
    expect(results.every((r) => !r.ok && r.note.length > 0)).toBe(true);
  });
});
