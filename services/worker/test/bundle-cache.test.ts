/**
 * The workflow bundle cache's name for a bundle: a hash of the content of every file it is made
 * from, so a changed byte, a new file or a renamed one makes a new bundle, and a file's time does not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '@fake-stripe/kernel/testing';
import { BUNDLE_INPUTS, bundleKey } from '../src/bundle-cache.ts';

const tmp = tempDir('fake-stripe-bundle-key-');
afterAll(() => tmp.remove());

const write = (file: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(tmp.dir, file)), { recursive: true });
  fs.writeFileSync(path.join(tmp.dir, file), text);
};
const inputs = ['package-lock.json', 'src'];
const key = (): string => bundleKey(tmp.dir, inputs);

describe('bundleKey', () => {
  beforeAll(() => {
    write('package-lock.json', '{"lockfileVersion":3}');
    write('src/workflows/order.ts', 'export const a = 1;\n');
    write('src/kernel/contracts.ts', 'export type A = 1;\n');
  });

  it('is the same for the same content, whatever the files’ times', () => {
    const before = key();
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(tmp.dir, 'src/workflows/order.ts'), later, later);
    expect(key()).toBe(before);
    expect(before).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['a changed byte in a nested file', () => write('src/workflows/order.ts', 'export const a = 2;\n')],
    ['a new file', () => write('src/workflows/refund.ts', 'export {};\n')],
    [
      'a renamed file',
      () =>
        fs.renameSync(path.join(tmp.dir, 'src/workflows/refund.ts'), path.join(tmp.dir, 'src/workflows/refunds.ts')),
    ],
    ['another lockfile', () => write('package-lock.json', '{"lockfileVersion":3,"packages":{}}')],
  ])('changes with %s', (_what, change) => {
    const before = key();
    change();
    expect(key()).not.toBe(before);
  });

  it('covers the files the workflows are bundled from, which exist', () => {
    expect(BUNDLE_INPUTS).toEqual(['package-lock.json', 'services/kernel/src', 'services/worker/src']);
    expect(bundleKey()).toMatch(/^[0-9a-f]{16}$/);
  });
});
