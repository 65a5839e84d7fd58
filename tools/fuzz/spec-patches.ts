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
  dropFormObjects(doc);
  return doc;
}

/**
 * A nested object in a form body (payment's Stripe `metadata`): schemathesis sends its keys flat
 * (`key=value`), ignoring the document's `deepObject` encoding (`metadata[key]=value`), so each case
 * would be refused for unknown fields. The fuzz phase leaves such fields out; the SDK tests send them.
 */
function dropFormObjects(doc: Json): void {
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  for (const op of operations(doc)) {
    const media = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.[
      'application/x-www-form-urlencoded'
    ] as { schema?: Json; encoding?: Record<string, unknown> } | undefined;
    if (!media?.encoding || !media.schema) continue;
    const ref = typeof media.schema.$ref === 'string' ? media.schema.$ref.split('/').pop() : undefined;
    const schema = ref ? schemas[ref] : media.schema;
    for (const variant of [schema, ...((schema?.anyOf as Json[] | undefined) ?? [])]) {
      const properties = variant?.properties as Json | undefined;
      for (const name of Object.keys(media.encoding)) if (properties) delete properties[name];
    }
    delete media.encoding;
  }
}
