/**
 * The REST aggregator's request: its query and its forcing headers. The answer's schema (and the
 * strategies) are the kernel's user-context contract, shared with userContextWorkflow.
 */
import { ipSchema, transportOutcomes, userContextStrategySchema } from '@fake-stripe/kernel';
import { z } from 'zod';

export const userContextQuery = z.object({ strategy: userContextStrategySchema, ip: ipSchema }).strict();

const forcedOutcome = (source: string) =>
  z
    .enum(transportOutcomes)
    .optional()
    .meta({ description: `Forwarded as X-Chaos-Outcome to the ${source} API (when forcing is allowed)` });
/** Test and scenario hooks: force one upstream's chaos outcome (header names are lower-case). */
export const forcingHeaders = z.object({
  'x-chaos-outcome-location': forcedOutcome('location'),
  'x-chaos-outcome-weather': forcedOutcome('weather'),
  'x-chaos-outcome-catfact': forcedOutcome('cat fact'),
});
