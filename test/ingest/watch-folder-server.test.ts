// Through the real server (`mpegflow start` with a config file naming a watch folder): the
// appliance starts the folder after the runtime and stops it before; with no encoder image
// (offline first start, degraded) the file is retried, then (retryAttempts: 2) kept in
// failed/ with its error.json, shown by
// GET /api/v1/watch-folders; a later file after a restart is handled the same way.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OFFLINE } from '../cli/deb-cache-seed.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { queryDb } from '../helpers/encoder-processes.js';
import { tempDir } from '../helpers/temp-dir.js';
import { eventually } from './ingest-fixture.js';

test.after(killServers);

test('mpegflow start watches the configured folder; a file it cannot submit goes to failed/ with error.json; the API lists it', async () => {
  const cwd = tempDir('mpegflow-watch-server-');
  const root = join(cwd, 'drop');
  mkdirSync(join(cwd, 'data'), { recursive: true });
  mkdirSync(root);
  writeFileSync(
    join(cwd, 'data', 'config.json'),
    JSON.stringify({
      watchFolders: [{ path: root, ladder: 'professional', packaging: ['hls'], stableSeconds: 0.5, rescanSeconds: 0.3, retrySeconds: 0.3, retryAttempts: 2 }],
    }),
  );
  const s = await startServer({ cwd, env: OFFLINE });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const auth = { authorization: `Bearer ${token}` };

  writeFileSync(join(root, 'promo.mov'), 'a master with no encoder image to run it');
  await eventually('promo.mov.error.json in failed/', () => existsSync(join(root, 'failed', 'promo.mov.error.json')));
  const error = JSON.parse(readFileSync(join(root, 'failed', 'promo.mov.error.json'), 'utf8')) as { code: string; message: string; at: string };
  assert.is(error.code, 'NO_ENCODER_IMAGE');
  assert.is(
    queryDb<{ n: number }>(join(cwd, 'data'), `SELECT count(*) AS n FROM audit_events WHERE type = 'ingest.retry_scheduled'`)[0]!.n,
    1,
    'one retry before failed/',
  );
  assert.is(readFileSync(join(root, 'failed', 'promo.mov'), 'utf8'), 'a master with no encoder image to run it');

  const r = await fetch(`${s.url}/api/v1/watch-folders`, { headers: auth });
  assert.is(r.status, 200);
  const body = (await r.json()) as {
    items: Array<{
      path: string;
      ladder: string;
      packaging: string[];
      recent: Array<{ name: string; state: string; jobId: string | null; at: string; error: { code: string; message: string } | null }>;
    }>;
  };
  assert.equal(
    body.items.map((i) => [i.path, i.ladder, i.packaging]),
    [[root, 'professional', ['hls']]],
  );
  const [recent] = body.items[0]!.recent;
  assert.equal(
    { name: recent!.name, state: recent!.state, jobId: recent!.jobId, error: recent!.error?.code },
    { name: 'promo.mov', state: 'failed', jobId: null, error: 'NO_ENCODER_IMAGE' },
  );
  assert.is(recent!.error!.message, error.message);
  assert.ok(!Number.isNaN(Date.parse(recent!.at)));

  // /healthz names the folder among its failed checks while it is gone (this offline appliance
  // is degraded anyway: no encoder image), and no longer once it is back.
  const check = async () =>
    ((await (await fetch(`${s.url}/healthz`)).json()) as { checks: Record<string, { ok: boolean; detail?: string }> }).checks.watchFolders;
  assert.is(await check(), undefined);
  renameSync(root, `${root}-away`);
  const down = await eventually('healthz watchFolders not ok', async () => {
    const c = await check();
    return c && !c.ok && c;
  });
  assert.match(String(down.detail), /does not exist/);
  renameSync(`${root}-away`, root);
  await eventually('healthz watchFolders ok again', async () => (await check()) === undefined);
  assert.is(await s.stop(), 0, s.output());

  // After a restart the folder is watched again; the earlier failure stays listed, newest first.
  const again = await startServer({ cwd, env: OFFLINE });
  writeFileSync(join(root, 'second.mov'), 'another');
  await eventually('second.mov.error.json', () => existsSync(join(root, 'failed', 'second.mov.error.json')));
  const listed = (await (await fetch(`${again.url}/api/v1/watch-folders`, { headers: auth })).json()) as typeof body;
  assert.equal(
    listed.items[0]!.recent.map((i) => i.name),
    ['second.mov', 'promo.mov'],
  );

  assert.is(await again.stop(), 0, again.output());

  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();
