/**
 * The platform the fuzz phase runs against: tests/harness.ts's (a Temporal dev server, the domain
 * services with chaos off, the public-APIs stand-in, a worker, the API) plus user-context pointed at
 * the stand-in, every server on an ephemeral port of 127.0.0.1.
 */
import { startInProcess } from '@fake-stripe/kernel/testing';
import { createUserContextService, envSchema as userContextEnv } from '@fake-stripe/user-context';
import { startPlatform } from '../../tests/harness.ts';

export interface FuzzPlatform {
  /** Base URL of every service, by name. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFuzzPlatform(apiEnv: Record<string, string>): Promise<FuzzPlatform> {
  const p = await startPlatform({ publicApis: true, labelMs: 50 });
  try {
    await p.startWorker();
    const api = await p.startApi(apiEnv);
    const userContext = await startInProcess(
      createUserContextService,
      {
        LOCATION_API_URL: `${p.urls.publicApis}/ipapi`,
        WEATHER_API_URL: `${p.urls.publicApis}/open-meteo`,
        CATFACT_API_URL: `${p.urls.publicApis}/catfact`,
      },
      userContextEnv,
    );
    return {
      urls: {
        payment: p.urls.payment,
        inventory: p.urls.inventory,
        shipping: p.urls.shipping,
        notification: p.urls.notification,
        'public-apis': p.urls.publicApis,
        'user-context': userContext.url,
        api: api.url,
      },
      async stop() {
        await userContext.close();
        await p.stop();
      },
    };
  } catch (err) {
    await p.stop();
    throw err;
  }
}
