// The workflow API with one patch forced, named by the bundle's alias query (bundle.ts):
// `?before=<id>`: patched(id) is false, the code as it ran before that change (every patched()
// branch's old side); `?unguarded=<id>`: true and no marker recorded, the same change without its
// guard, which the replay test shows breaking the histories recorded before it. Other ids as usual.
import { patched as sdkPatched } from '@temporalio/workflow/lib/index.js';

export * from '@temporalio/workflow/lib/index.js';

/** webpack's module variable: this module's request query (`?before=<id>`). */
declare const __resourceQuery: string;
const forced = new URLSearchParams(__resourceQuery);

export const patched = (id: string): boolean =>
  forced.get('before') === id ? false : forced.get('unguarded') === id ? true : sdkPatched(id);
