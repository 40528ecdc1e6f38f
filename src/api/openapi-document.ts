/**
 * The route schemas are JSON Schema 2020-12 (TypeBox), the document is OpenAPI 3.0.3, and
 * @fastify/swagger converts only some of the keywords that differ between the two. This rewrites
 * the rest, so that tools reading /openapi.json (client generators, Schemathesis) accept it.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A copy of an OpenAPI 3.0 document in which every numeric `exclusiveMinimum`/`exclusiveMaximum`
 * (2020-12: "x > n") becomes 3.0's `minimum: n, exclusiveMinimum: true`. Without this, a price
 * schema's `exclusiveMinimum: 0` makes the whole document invalid OpenAPI 3.0.
 */
export function toOpenApi30<T>(doc: T): T {
  return convert(doc as Json) as T;
}

function convert(node: Json): Json {
  if (Array.isArray(node)) return node.map(convert);
  if (typeof node !== 'object' || node === null) return node;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) out[k] = convert(v);
  bound(out, 'exclusiveMinimum', 'minimum', (a, b) => a >= b);
  bound(out, 'exclusiveMaximum', 'maximum', (a, b) => a <= b);
  return out;
}

/** Folds a numeric exclusive bound into its inclusive sibling, keeping whichever is stricter. */
function bound(
  schema: { [key: string]: Json },
  exclusive: string,
  inclusive: string,
  atLeastAsStrict: (a: number, b: number) => boolean,
): void {
  const x = schema[exclusive];
  if (typeof x !== 'number') return;
  const m = schema[inclusive];
  if (typeof m === 'number' && !atLeastAsStrict(x, m)) {
    // The inclusive bound is the stricter one: "x > 0 and x >= 1" is "x >= 1".
    delete schema[exclusive];
    return;
  }
  schema[inclusive] = x;
  schema[exclusive] = true;
}
