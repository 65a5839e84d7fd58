/**
 * Corrections to a service's generated OpenAPI document before schemathesis reads it: what the fuzz
 * phase leaves out on purpose, each with its reason. (Defects of the document itself are fixed in the
 * kernel's builder, services/kernel/src/openapi.ts, not here.)
 */

type Json = Record<string, unknown>;
type Operation = Json & { parameters?: Json[] };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function operations(doc: Json): Operation[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  return Object.values(paths).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([, op]) => op),
  );
}

export function patchDocument(doc: Json): Json {
  for (const op of operations(doc)) {
    // Forced chaos is a test instrument whose outcomes are by design 5xx, timeouts and dropped
    // sockets: the fuzz phase tests the services with chaos off, so it does not send the header.
    op.parameters = op.parameters?.filter((p) => !(p.in === 'header' && p.name === 'X-Chaos-Outcome'));
  }
  return doc;
}
