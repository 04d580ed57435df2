// Three nodes on this machine against one real PostgreSQL and one S3 server (issue #15's
// "done when"): an `api` node and two `worker` nodes, each worker pinned to its own core, run 20
// jobs; one worker is killed with SIGKILL mid-encode. Every job completes, once; both workers
// took tasks; the api node's /ws saw the workers' events; the chain verifies on PostgreSQL and a
// bundle exported from it verifies with gpg and sha256sum.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { gpgVerifyIn, sh, untar } from '../audit/audit-fixture.js';
import { apiClient } from '../helpers/api-client.js';
import { killServers, runCli, startServer, type Started } from '../helpers/cli.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { requireGpg } from '../helpers/gpg.js';
import { testDatabaseUrl } from '../helpers/postgres.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { s3Env } from '../storage/s3-fixture.js';

test.after(killServers);

const JOBS = 20;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('an api node and two workers on PostgreSQL + S3 run 20 jobs; a worker killed mid-encode loses nothing', async () => {
  requireGpg();
  const s3 = await s3Env();
  if (!s3) throw new Error('this test needs the S3 fixture (test/storage/s3-fixture.ts)');
  const databaseUrl = await testDatabaseUrl();
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    const root = tempDir('mpegflow-cluster-');
    const kek = join(root, 'facility-kek.hex');
    writeFileSync(kek, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const shared = {
      MPEGFLOW_DATABASE_URL: databaseUrl,
      MPEGFLOW_S3_ENDPOINT: s3.endpoint,
      MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
      MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
      MPEGFLOW_KEK_FILE: kek,
    };
    const node = (id: string, file: Record<string, unknown>) => {
      const cwd = join(root, id);
      mkdirSync(cwd, { recursive: true });
      const scratch = `/dev/shm/mpegflow-cluster-${id}-${randomBytes(3).toString('hex')}`;
      writeFileSync(join(cwd, 'config.json'), JSON.stringify({ ...file, atRest: { scratchDir: scratch } }));
      return { id, cwd, env: { ...shared, MPEGFLOW_NODE_ID: id, MPEGFLOW_CONFIG: join(cwd, 'config.json') } };
    };
    const pinned = (core: number) => ({
      node: { roles: ['worker'] },
      // A 20 s master is "long" here: chunked in 5 chunks the two workers share.
      chunking: { thresholdSeconds: 10, chunkSeconds: 4 },
      pools: { probe: { cores: [core], slots: 1 }, encode: { cores: [core], slots: 1 }, package: { cores: [core], slots: 1 } },
    });
    const api = node('api', { node: { roles: ['api'] } });
    const workers = [node('w1', pinned(0)), node('w2', pinned(1))];

    // The image is imported once (on the api node's data dir, into the shared catalog); each worker
    // holds a copy of its folder and trusts the key that signed it, as docs/cluster.md says.
    await preloadEncoderImage(api.cwd, api.env);
    const imageId = readdirSync(join(api.cwd, 'data', 'images')).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    for (const w of workers) {
      const init = runCli(['init'], { cwd: w.cwd, env: w.env });
      assert.is(init.code, 0, init.stdout + init.stderr);
      cpSync(join(api.cwd, 'data', 'images', imageId), join(w.cwd, 'data', 'images', imageId), { recursive: true });
      copyFileSync(join(api.cwd, 'data', 'trust', 'audit-key.pub.asc'), join(w.cwd, 'data', 'trust', 'api-audit-key.pub.asc'));
    }

    const a = await startServer({ cwd: api.cwd, env: api.env, timeoutMs: 180_000 });
    const started: Record<string, Started> = {};
    for (const w of workers) started[w.id] = await startServer({ cwd: w.cwd, env: w.env, timeoutMs: 180_000, detached: true });
    const token = readFileSync(join(api.cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
    const client = apiClient(a.url, token);

    const nodes = (await (await client.get('/api/v1/nodes')).json()) as { items: Array<{ id: string; roles: string[]; live: boolean }> };
    assert.equal(
      nodes.items.filter((n) => n.live).map((n) => [n.id, n.roles]),
      [
        ['api', ['api']],
        ['w1', ['worker']],
        ['w2', ['worker']],
      ],
    );

    // A short 360p master: 20 jobs of it keep both workers busy for a minute or two.
    const clip = join(root, 'master-360p.mp4');
    const ff = (await testImage()).argv('ffmpeg');
    const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('640x360', 4), clip], { env: { LC_ALL: 'C' } });
    assert.is(gen.status, 0, String(gen.stderr));
    const up = await client.upload(clip);
    assert.is(up.status, 201, await up.clone().text());
    const input = (await up.json()) as { key: string };

    const live: Array<{ type: string; jobId?: string; kind?: string }> = [];
    const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws`, ['mpegflow.v1', `bearer.${token}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (d) => live.push(JSON.parse(String(d)) as (typeof live)[number]));

    // First, a long master: its chunks are encoded on both workers, stitched from S3 (encrypted at rest).
    const longClip = join(root, 'long-360p.mp4');
    const genLong = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('640x360', 20), '-g', '50', longClip], {
      env: { LC_ALL: 'C' },
    });
    assert.is(genLong.status, 0, String(genLong.stderr));
    const longInput = (await (await client.upload(longClip)).json()) as { key: string };
    const chunked = await client.submit({ input: { key: longInput.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
    assert.is(chunked.status, 201, await chunked.clone().text());
    const chunkedId = ((await chunked.json()) as { id: string }).id;

    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const r = await client.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
      assert.is(r.status, 201, await r.clone().text());
      ids.push(((await r.json()) as { id: string }).id);
    }

    // SIGKILL w1 while it encodes (the host dies with the lease: its encoders are killed too).
    await db.connect();
    const running = await waitFor(
      'w1 to encode',
      async () =>
        (await db.query<{ id: string }>("SELECT id FROM tasks WHERE state = 'running' AND kind = 'encode' AND lease_owner LIKE 'w1/%' LIMIT 1")).rows[0],
      180_000,
    );
    process.kill(-started.w1!.child.pid!, 'SIGKILL');
    spawnSync('pkill', ['-KILL', '-f', join(workers[0]!.cwd, 'data', 'images')]);

    const done = await waitFor(
      'every job to end',
      async () => {
        const states = await Promise.all(ids.map(async (id) => ((await (await client.get(`/api/v1/jobs/${id}`)).json()) as { state: string }).state));
        return states.every((s) => ['completed', 'failed', 'partial', 'cancelled'].includes(s)) ? states : undefined;
      },
      600_000,
    );
    ws.close();
    assert.equal(
      done.filter((s) => s !== 'completed'),
      [],
      `job states: ${done.join(',')}`,
    );
    const long = await waitFor(
      'the chunked job to end',
      async () => {
        const d = (await (await client.get(`/api/v1/jobs/${chunkedId}`)).json()) as {
          state: string;
          chunking: { chunked: boolean; chunks: { state: string }[] } | null;
          quality: { passed: boolean }[];
        };
        return ['completed', 'failed', 'partial', 'cancelled'].includes(d.state) ? d : undefined;
      },
      600_000,
    );
    assert.is(long.state, 'completed');
    assert.is(long.chunking?.chunked, true);
    assert.is(long.chunking?.chunks.length, 5);
    assert.ok(long.quality.length > 0 && long.quality.every((q) => q.passed));
    const chunkOwners = (
      await db.query<{ owner: string }>(
        "SELECT DISTINCT split_part(payload::json->>'owner', '/', 1) AS owner FROM audit_events WHERE type = 'task.started' AND job_id = $1 AND payload::json->>'part' = 'chunk'",
        [chunkedId],
      )
    ).rows.map((r) => r.owner);
    assert.ok(chunkOwners.length > 0 && chunkOwners.every((o) => o === 'w1' || o === 'w2'), chunkOwners.join());

    // Each job completed once, its killed task was taken over, both workers took tasks.
    const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: string }>(sql, params)).rows.map((r) => Number(r.n));
    assert.equal(await count("SELECT count(*) AS n FROM audit_events WHERE type = 'job.completed' GROUP BY job_id ORDER BY job_id"), Array(JOBS + 1).fill(1));
    const owners = (
      await db.query<{ owner: string }>("SELECT DISTINCT split_part(payload::json->>'owner', '/', 1) AS owner FROM audit_events WHERE type = 'task.started'")
    ).rows.map((r) => r.owner);
    assert.equal(owners.sort(), ['w1', 'w2']);
    const takenOver = await db.query<{ type: string }>("SELECT type FROM audit_events WHERE payload::json->>'taskId' = $1 ORDER BY seq", [running.id]);
    assert.ok(
      takenOver.rows.some((r) => r.type === 'task.interrupted'),
      `the killed worker's task was re-queued as an interruption: ${takenOver.rows.map((r) => r.type).join(',')}`,
    );
    // Each output key was committed once: one published object per audited output.
    for (const id of ids.slice(0, 3)) {
      const completed = (await db.query<{ payload: string }>("SELECT payload FROM audit_events WHERE type = 'job.completed' AND job_id = $1", [id])).rows[0]!;
      const outputs = (JSON.parse(completed.payload) as { outputs: { key: string }[] }).outputs.map((o) => o.key);
      assert.is(new Set(outputs).size, outputs.length);
    }
    // The api node's /ws carried what the workers did.
    assert.ok(
      live.some((e) => e.type === 'task.state' && e.kind === 'encode' && ids.includes(e.jobId ?? '')),
      'workers\u2019 task events reached /ws on the api node',
    );

    // A worker-only node serves its health and metrics, not the API or the UI.
    const w2 = started.w2!.url;
    assert.is((await fetch(`${w2}/healthz`)).status, 200);
    assert.is((await fetch(`${w2}/api/v1/nodes`, { headers: client.auth })).status, 404);
    assert.is((await fetch(`${w2}/metrics`, { headers: client.auth })).status, 200);

    // The chain verifies on PostgreSQL; a bundle exported from it verifies with gpg and sha256sum.
    assert.is(await started.w2!.stop(), 0);
    assert.is(await a.stop(), 0);
    const verify = runCli(['audit', 'verify'], { cwd: api.cwd, env: api.env });
    assert.is(verify.code, 0, verify.stdout + verify.stderr);
    const bundle = join(root, 'cluster.tar');
    const exported = runCli(['audit', 'export', '--out', bundle], { cwd: api.cwd, env: api.env });
    assert.is(exported.code, 0, exported.stdout + exported.stderr);
    const x = untar(bundle);
    const gpg = gpgVerifyIn(x, join(api.cwd, 'data', 'trust', 'audit-key.pub.asc'));
    assert.ok(gpg.ok, gpg.out);
    assert.is(sh(['sha256sum', '--strict', '-c', 'SHA256SUMS'], x).status, 0);
  } finally {
    await db.end().catch(() => undefined);
    s3.stop();
  }
});

test.run();
