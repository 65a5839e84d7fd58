/**
 * The HTTP server span the kernel makes for every request (`serverSpan`, the first koa middleware),
 * on a small real service over HTTP with a real tracer provider whose spans are kept in memory: the
 * caller's W3C context is the parent, the name and `http.route` are the matched route's, the status
 * is recorded (an answer of 500 marks the span as an error), `/health` and `/metrics` make none.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { defineRoute } from '../src/route-definition.ts';
import { createService } from '../src/service.ts';
import type { Service } from '../src/service.ts';
import { eventually, getJson, testEnv } from '../src/testing.ts';

const exporter = new InMemorySpanExporter();
let service: Service;
let url: string;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  service = createService({
    name: 'things',
    prefix: '/things',
    env: testEnv(),
    routes: [
      defineRoute({
        method: 'get',
        path: '/things/:id',
        operationId: 'getThing',
        summary: 'One thing',
        params: z.object({ id: z.string() }),
        response: z.object({ id: z.string() }),
        handler: ({ params }) => ({ id: params.id }),
      }),
      defineRoute({
        method: 'post',
        path: '/things/break',
        operationId: 'breakThing',
        summary: 'Fails unexpectedly',
        response: z.object({ ok: z.boolean() }),
        handler: () => {
          throw new Error('broken on purpose');
        },
      }),
    ],
  });
  url = (await service.listen(0, '127.0.0.1')).url;
});
afterAll(async () => {
  await service.close();
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const traceId = '0af7651916cd43dd8448eb211c80319c';
const parentId = 'b7ad6b7169203331';
/** The server spans exported so far, once `count` of them are there. */
const serverSpans = (count: number): Promise<ReadableSpan[]> =>
  eventually(() => {
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    return spans.length >= count && spans;
  }, `${count} server span(s)`);

describe('serverSpan', () => {
  it("names the span after the matched route, in the caller's trace, with the request's attributes", async () => {
    const res = await getJson(`${url}/things/42`, {
      traceparent: `00-${traceId}-${parentId}-01`,
      'X-Correlation-Id': 'corr-span-1',
    });
    expect(res.status).toBe(200);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe('GET /things/:id');
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parentId);
    expect(span?.instrumentationScope.name).toBe('fake-stripe-http-server');
    expect(span?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/things/42',
      'url.scheme': 'http',
      'http.route': '/things/:id',
      'http.response.status_code': 200,
      'correlation.id': 'corr-span-1',
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace without a traceparent, and marks an answer of 500 as an error', async () => {
    const res = await fetch(`${url}/things/break`, { method: 'POST' });
    expect(res.status).toBe(500);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe('POST /things/break');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes['http.response.status_code']).toBe(500);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('names an unmatched request by its method only, with no route', async () => {
    expect((await getJson(`${url}/nowhere`)).status).toBe(404);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe('GET');
    expect(span?.attributes['http.route']).toBeUndefined();
    expect(span?.attributes['http.response.status_code']).toBe(404);
  });

  it('makes no span for /health and /metrics, and one for /ready', async () => {
    for (const path of ['/health', '/metrics', '/ready']) expect((await fetch(`${url}${path}`)).status).toBe(200);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe('GET /ready');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});
