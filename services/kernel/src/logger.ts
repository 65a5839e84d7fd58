import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { currentCorrelationId } from './context.ts';

let serviceName = process.env.OTEL_SERVICE_NAME?.trim() || 'fake-stripe';

/**
 * The one pino logger: JSON with service, level, correlation id, trace id and span id.
 * Authorization headers and tokens are redacted.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL?.trim() || 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: {
    paths: [
      'authorization',
      '*.authorization',
      'headers.authorization',
      '*.headers.authorization',
      'token',
      '*.token',
      'adminToken',
    ],
    censor: '[redacted]',
  },
  mixin() {
    const span = trace.getActiveSpan()?.spanContext();
    const correlation_id = currentCorrelationId();
    return {
      service: serviceName,
      ...(correlation_id && { correlation_id }),
      ...(span && { trace_id: span.traceId, span_id: span.spanId }),
    };
  },
});

export function setServiceName(name: string): void {
  serviceName = name;
}

export type Logger = typeof logger;
