import { z } from 'zod';
import { chaosConfigSchema } from './chaos.ts';
import { chaosSources as sources } from './chaos-wiring.ts';
import type { WiredChaos } from './chaos-wiring.ts';
import { badRequest } from './errors.ts';
import { defineRoute } from './route-definition.ts';
import type { Route } from './route-definition.ts';

export function chaosRoutes(prefix: string, wired: WiredChaos): Route[] {
  const engine = wired.chaos;
  const distribution = () => ({ ...engine.distribution(), source: wired.status() });
  const distributionSchema = z
    .object({
      profile: z.string(),
      seeded: z.boolean(),
      timeoutMs: z.number(),
      retryAfterSeconds: z.number(),
      operations: z.record(
        z.string(),
        z.object({
          weights: z.record(z.string(), z.number()),
          latency: z.object({ baseMs: z.number(), jitterMs: z.number(), extraMs: z.number() }),
        }),
      ),
      outcomes: z
        .record(z.string(), z.array(z.string()))
        .meta({ description: 'Every outcome a weight may name, per operation (the mix names only those it draws)' }),
      /** Which source is in force (the newest valid change wins) and the last refused change or watch error. */
      source: z.object({
        source: z.enum(sources),
        version: z.string().optional().meta({ description: "The ConfigMap's resourceVersion" }),
        since: z.string(),
        lastError: z.object({ source: z.enum(sources), message: z.string(), at: z.string() }).optional(),
      }),
    })
    .meta({ id: 'ChaosDistribution' });
  return [
    defineRoute({
      method: 'get',
      path: `${prefix}/chaos/distribution`,
      operationId: 'getChaosDistribution',
      summary: 'The live chaos outcome mix of each operation, in percent',
      tags: ['chaos'],
      response: distributionSchema,
      handler: distribution,
    }),
    defineRoute({
      method: 'get',
      path: `${prefix}/stats`,
      operationId: 'getChaosStats',
      summary: 'Counts of the outcomes served since the process started, per operation',
      tags: ['chaos'],
      response: z
        .object({ outcomes: z.record(z.string(), z.record(z.string(), z.number())) })
        .meta({ id: 'ChaosStats' }),
      handler: () => ({ outcomes: engine.stats() }),
    }),
    defineRoute({
      method: 'put',
      path: `${prefix}/chaos`,
      operationId: 'putChaosConfig',
      summary: 'Replace the live chaos config (admin); invalid configs are refused and the current one stays',
      tags: ['chaos'],
      admin: true,
      body: chaosConfigSchema,
      response: distributionSchema,
      errors: { 400: 'Invalid chaos config', 401: 'Missing or wrong admin token' },
      handler: ({ ctx }) => {
        const result = wired.apply('api', ctx.request.body);
        if (!result.ok) throw badRequest('chaos_config_invalid', `Chaos config refused: ${result.error}`);
        return distribution();
      },
    }),
  ];
}
