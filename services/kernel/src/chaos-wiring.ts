import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createChaos } from './chaos.ts';
import type { Chaos, OperationSpec } from './chaos.ts';
import { readJsonFile, watchJsonFile } from './config.ts';
import type { Db } from './db.ts';
import type { Logger } from './logger.ts';

/**
 * A service's chaos engine, started from its CHAOS_FILE (when set) and kept in step with the file.
 * A file that is missing or invalid at start-up leaves the built-in default profile, logged; a bad
 * edit later is logged and the last good config stays.
 */
export function wireChaos(options: {
  operations: Record<string, OperationSpec>;
  db: Db;
  file: string | undefined;
  log: Logger;
}): { chaos: Chaos; stopWatching: () => void } {
  const { operations, db, file, log } = options;
  let initial: unknown = {};
  if (file) {
    try {
      initial = readJsonFile(file) ?? {};
    } catch (err) {
      log.error({ file, err: (err as Error).message }, 'chaos file rejected at start-up: using the built-in default');
    }
  }
  let chaos: Chaos;
  try {
    chaos = createChaos({ operations, db, initial });
  } catch (err) {
    log.error({ err: (err as Error).message }, 'chaos config rejected at start-up: using the built-in default');
    chaos = createChaos({ operations, db });
  }
  if (!file) return { chaos, stopWatching: () => undefined };
  const engine = chaos;
  mkdirSync(dirname(file), { recursive: true });
  const stopWatching = watchJsonFile(file, log, (raw) => {
    const result = engine.apply(raw);
    if (result.ok) log.info({ file, chaos: engine.distribution() }, 'chaos config reloaded');
    else log.error({ file, reason: result.error }, 'chaos config rejected; keeping the last good config');
  });
  return { chaos, stopWatching };
}
