// The API's schemas (src/http/schemas/) are what the routes really answer: each answer of the real
// app, after a real job, parses with its schema and parsing drops nothing (no field the schema,
// the OpenAPI document and the UI's types do not know). The states and roles agree with the store's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { issuedToken, tokenList, totpEnrollment, userList, userWithPassword, whoami } from '../../src/http/schemas/accounts.js';
import { auditPage, jobDetailSchema, jobList, uploadResult } from '../../src/http/schemas/jobs.js';
import { ladderList } from '../../src/http/schemas/ladder-template.js';
import { roleNames, jobStates, taskKinds, taskStates } from '../../src/http/schemas/states.js';
import { deliveryList, encoderList, hostStatusSchema, poolList, webhookList, webhookSchema } from '../../src/http/schemas/system.js';
import { roles } from '../../src/store/store.js';
import type { JobState, TaskKind, TaskState } from '../../src/store/jobs.js';
import { apiApp } from './jobs-api-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

// Compile-time: the API's state and kind lists are exactly the store's (tsc fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameJobStates: Same<JobState, (typeof jobStates)[number]> = true;
const sameTaskStates: Same<TaskState, (typeof taskStates)[number]> = true;
const sameTaskKinds: Same<TaskKind, (typeof taskKinds)[number]> = true;

let f: Awaited<ReturnType<typeof apiApp>>;
let jobId = '';
let upload: unknown;
test.before(async () => {
  f = await apiApp({ runtime: true });
  const made = await f.fixture!.clip('made.mp4', testClipArgs('320x180', 1));
  const put = await f.app.request('/api/v1/inputs/clip.mp4', { method: 'PUT', body: readFileSync(join(f.fixture!.data, made)), headers: f.auth('operator') });
  assert.is(put.status, 201);
  upload = await put.json();
  const res = await f.app.request(
    '/api/v1/jobs',
    f.json('operator', { input: { key: (upload as { key: string }).key }, ladder: 'professional', packaging: ['hls'] }),
  );
  assert.is(res.status, 201);
  jobId = ((await res.json()) as { id: string }).id;
  const done = await f.fixture!.waitFor(jobId, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'completed');
});
test.after(async () => {
  await f.close();
});

/** The body parses with `schema`, and parsing it changes nothing (zod drops unknown keys). */
function conforms(schema: z.ZodType, body: unknown, what: string): void {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${what}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  assert.equal(parsed.data, body, `${what}: a field the schema does not declare`);
}

async function get(path: string, role: 'admin' | 'viewer' = 'admin'): Promise<unknown> {
  const res = await f.app.request(`/api/v1${path}`, { headers: f.auth(role) });
  assert.is(res.status, 200, path);
  return res.json();
}

test('the lists agree with the store: job and task states, task kinds, roles', () => {
  assert.ok(sameJobStates && sameTaskStates && sameTaskKinds);
  assert.equal([...roleNames], [...roles]);
});

test('jobs: the upload, the job detail, the list and the audit page', async () => {
  conforms(uploadResult, upload, 'PUT /inputs');
  const detail = (await get(`/jobs/${jobId}`, 'viewer')) as { tasks: unknown[]; renditions: unknown[] };
  assert.ok(detail.tasks.length >= 3 && detail.renditions.length >= 1, 'a real job with tasks and renditions');
  conforms(jobDetailSchema, detail, 'GET /jobs/{id}');
  conforms(jobList, await get('/jobs?limit=5', 'viewer'), 'GET /jobs');
  const audit = (await get(`/jobs/${jobId}/audit?limit=3`)) as { items: unknown[]; nextAfter: number | null };
  assert.is(audit.items.length, 3);
  assert.type(audit.nextAfter, 'number');
  conforms(auditPage, audit, 'GET /jobs/{id}/audit');
});

test('accounts: whoami, users (with a generated password once), tokens (the secret once)', async () => {
  conforms(whoami, await get('/whoami', 'viewer'), 'GET /whoami');
  const created = await f.app.request('/api/v1/users', f.json('admin', { username: 'schema-check', role: 'operator' }));
  assert.is(created.status, 201);
  const user = (await created.json()) as { username: string; password: string };
  conforms(userWithPassword, user, 'POST /users');
  const enrollment = await f.app.request('/api/v1/session/totp-enrollment', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mpegflow-csrf': '1' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  assert.is(enrollment.status, 201);
  conforms(totpEnrollment, await enrollment.json(), 'POST /session/totp-enrollment');
  conforms(userList, await get('/users'), 'GET /users');
  const issued = await f.app.request('/api/v1/tokens', f.json('admin', { name: 'schema-check', role: 'viewer' }));
  assert.is(issued.status, 201);
  conforms(issuedToken, await issued.json(), 'POST /tokens');
  const tokens = (await get('/tokens')) as { items: unknown[] };
  assert.ok(tokens.items.length >= 5);
  conforms(tokenList, tokens, 'GET /tokens');
});

test('system: ladders, encoders, pools, host', async () => {
  conforms(ladderList, await get('/ladders', 'viewer'), 'GET /ladders');
  const encoders = (await get('/encoders', 'viewer')) as { items: unknown[] };
  assert.is(encoders.items.length, 1);
  conforms(encoderList, encoders, 'GET /encoders');
  const pools = (await get('/pools', 'viewer')) as { items: unknown[] };
  assert.is(pools.items.length, 3);
  conforms(poolList, pools, 'GET /pools');
  conforms(hostStatusSchema, await get('/system/host', 'viewer'), 'GET /system/host');
});

test('webhooks: a target and a delivery of it', async () => {
  const res = await f.app.request('/api/v1/webhooks', f.json('admin', { url: 'http://127.0.0.1:9/hook', events: ['job.state'] }));
  assert.is(res.status, 201);
  const created = (await res.json()) as { id: string; secret: string };
  conforms(webhookSchema.extend({ secret: z.string() }), created, 'POST /webhooks');
  const seq = (await f.store.audit.list({ jobId, limit: 1 }))[0]!.seq;
  await f.store.change(async (tx) => {
    await tx.webhooks.insertDelivery({
      id: 'dlv_schema',
      webhookId: created.id,
      eventSeq: seq,
      eventType: 'job.state',
      jobId,
      body: '{"seq":1}',
      nextAttemptAt: Date.now(),
    });
    await tx.audit({ type: 'test.delivery_inserted', actor: 'test', payload: { id: 'dlv_schema' } });
  });
  conforms(webhookList, await get('/webhooks'), 'GET /webhooks');
  conforms(webhookSchema, await get(`/webhooks/${created.id}`), 'GET /webhooks/{id}');
  const deliveries = (await get(`/webhooks/${created.id}/deliveries`)) as { items: unknown[] };
  assert.is(deliveries.items.length, 1);
  conforms(deliveryList, deliveries, 'GET /webhooks/{id}/deliveries');
});

test.run();
