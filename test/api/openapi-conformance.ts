import assert from 'node:assert/strict';
import Schema from 'typebox/schema';
import type { ApiServer } from '../../src/api/index.js';

/**
 * Checks an answer against the schema the served OpenAPI document declares for it, the way
 * Schemathesis' response_schema_conformance does (test/fuzz): a route's TypeBox schema can be
 * right while the document rendered from it is not, and clients only see the document.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function openApiDocument(app: ApiServer): Promise<JsonObject> {
  const r = await app.inject('/openapi.json');
  assert.equal(r.statusCode, 200, r.body);
  return r.json<JsonObject>();
}

/** The JSON schema documented for `status` of `method path` (exact status, then 4XX/5XX, then default). */
export function documentedResponseSchema(doc: JsonObject, method: string, path: string, status: number): JsonObject {
  const paths = doc['paths'];
  const op = isObject(paths) ? paths[path] : undefined;
  const responses = isObject(op)
    ? isObject(op[method.toLowerCase()])
      ? (op[method.toLowerCase()] as JsonObject)['responses']
      : undefined
    : undefined;
  assert.ok(isObject(responses), `${method} ${path} is not in the document`);
  const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses['default'];
  assert.ok(isObject(response), `${method} ${path} documents no ${status}`);
  const content = response['content'];
  const json = isObject(content) ? content['application/json'] : undefined;
  const schema = isObject(json) ? json['schema'] : undefined;
  assert.ok(isObject(schema), `${method} ${path} ${status} has no application/json schema`);
  return schema;
}

/** Fails, naming the paths, when `body` does not match what the document says `method path` answers with `status`. */
export function assertConformsToDocument(doc: JsonObject, method: string, path: string, status: number, body: unknown): void {
  const schema = toJsonSchema(documentedResponseSchema(doc, method, path, status));
  assert.ok(isObject(schema));
  if (Schema.Check(schema, body)) return;
  const [, errors] = Schema.Errors(schema, body);
  const listed = errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  assert.fail(`${method} ${path} ${status}: the answer does not match the documented schema: ${listed.join('; ')}`);
}

/** OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a union with null, boolean exclusive bounds numeric. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable' && k !== 'example') out[k] = toJsonSchema(v);
  for (const [ex, inc] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[ex] === true && typeof out[inc] === 'number') {
      out[ex] = out[inc];
      delete out[inc];
    } else if (out[ex] === false) delete out[ex];
  }
  // A 3.0 `enum` restricts the null of a nullable schema too; 3.0 readers let null through anyway.
  return node['nullable'] === true ? { anyOf: [out, { type: 'null' }] } : out;
}
