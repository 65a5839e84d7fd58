import { logger } from './logger.ts';
import type { Service } from './service.ts';

/** Starts a service from its main module: listen, and close cleanly on SIGTERM/SIGINT. */
export async function runService(service: Service): Promise<void> {
  await service.listen();
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
