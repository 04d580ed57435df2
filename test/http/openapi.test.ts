import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiApp } from './jobs-api-fixture.js';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
        requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
      }
    >
  >;
  components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown }> };
};

let f: Awaited<ReturnType<typeof apiApp>>;
let doc: Doc;
test.before(async () => {
  f = await apiApp({ runtime: true });
  const res = await f.app.request('/api/v1/openapi.json', { headers: f.auth('viewer') });
  assert.is(res.status, 200);
  doc = (await res.json()) as Doc;
});
test.after(async () => {
  await f.close();
});

/** SPEC.md § HTTP API, route by route. */
const specRoutes = [
  'get /healthz',
  'put /api/v1/inputs/{name}',
  'post /api/v1/jobs',
  'get /api/v1/jobs',
  'get /api/v1/jobs/{id}',
  'post /api/v1/jobs/{id}/cancel',
  'post /api/v1/jobs/{id}/retry',
  'get /api/v1/jobs/{id}/audit',
  'get /api/v1/jobs/{id}/outputs/{path}',
  'get /api/v1/openapi.json',
  'get /api/v1/ladders',
  'get /api/v1/encoders',
  'get /api/v1/pools',
  'post /api/v1/audit/exports',
  'get /ws',
  'get /metrics',
];

test('an OpenAPI 3.1 document listing every route of the SPEC table, each with the error shape', () => {
  assert.is(doc.openapi, '3.1.0');
  for (const route of specRoutes) {
    const [method, path] = route.split(' ') as [string, string];
    const op = doc.paths[path]?.[method];
    assert.ok(op, `missing ${route}`);
    assert.is(op.responses['500']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', route);
  }
  const error = doc.components.schemas['Error']!;
  assert.equal(error.required, ['error']);
});

test('every route the app mounts is documented', () => {
  const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
  const mounted = f.app.routes
    .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
  assert.ok(mounted.length >= 15, mounted.join(', '));
  for (const route of mounted) assert.ok(documented.has(route), `undocumented: ${route}`);
});

test('the schemas are the ones the routes validate with: strict submit body, job detail fields', () => {
  const submit = doc.components.schemas['SubmitRequest']!;
  assert.is(submit.additionalProperties, false);
  assert.equal([...(submit.required ?? [])].sort(), ['input', 'ladder']);
  assert.is(doc.paths['/api/v1/jobs']!['post']!.requestBody?.content['application/json']?.schema?.$ref, '#/components/schemas/SubmitRequest');
  assert.is(doc.paths['/api/v1/jobs']!['post']!.responses['201']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/JobDetail');
  const detail = doc.components.schemas['JobDetail']!;
  for (const field of ['id', 'state', 'progress', 'tasks', 'encoder', 'outputs']) assert.ok(detail.properties?.[field], field);
  assert.ok(doc.paths['/api/v1/jobs/{id}/outputs/{path}']!['get']!.responses['206'], 'range responses');
  assert.ok(doc.paths['/api/v1/jobs/{id}/outputs/{path}']!['get']!.responses['416']);
  // Every $ref resolves.
  const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
  for (const ref of new Set(refs)) assert.ok(doc.components.schemas[ref.split('/').pop()!], ref);
});

test('the document needs a token like the rest of the API', async () => {
  assert.is((await f.app.request('/api/v1/openapi.json')).status, 401);
});

test.run();
