import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import { currentCorrelationId } from './context.ts';

let serviceName = process.env.OTEL_SERVICE_NAME?.trim() || 'fake-stripe';

/**
 * Where a secret can appear in a log line, as exact paths: pino checks only the top-level keys these
 * start with, so a line without them (the request line, every usual one) costs nothing more. A
 * wildcard (`*.token`) made every line walk all its values. Nothing logs a secret today; these are
 * the shapes one would take: the Authorization header (every token the platform accepts travels
 * there: SERVICE_TOKEN, ADMIN_TOKEN, MANAGER_TOKEN, a customer token, a Stripe secret key) as a field,
 * in a headers object or in a request; and tokens or keys by the names the code and its configuration
 * give them. The payment service takes no card numbers (only test PaymentMethod ids such as
 * `pm_card_visa`), so none can be logged. services/kernel/test/logger.test.ts checks each path.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'token',
  'adminToken',
  'serviceToken',
  'ADMIN_TOKEN',
  'SERVICE_TOKEN',
  'MANAGER_TOKEN',
  'CUSTOMER_TOKEN_SECRET',
  'STRIPE_SECRET_KEY',
  'STRIPE_SECRET_KEYS',
  'TEMPORAL_API_KEY',
];

/**
 * A pino logger as the platform configures it: JSON with service, level, correlation id, trace id and
 * span id, secrets redacted. `destination` is for tests; the services log to stdout.
 */
export function createLogger(destination?: DestinationStream) {
  const options: LoggerOptions = {
    level: process.env.LOG_LEVEL?.trim() || 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      const correlation_id = currentCorrelationId();
      return {
        service: serviceName,
        ...(correlation_id && { correlation_id }),
        ...(span && { trace_id: span.traceId, span_id: span.spanId }),
      };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The one logger of the process. */
export const logger = createLogger();

export function setServiceName(name: string): void {
  serviceName = name;
}

export type Logger = typeof logger;
