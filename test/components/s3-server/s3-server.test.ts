// The S3 server component (src/components/s3-server/): manifest, launch templates, loopback rule,
// credentials, verification before launch, and the supervisor's failure paths, with real
// processes (a tiny python http.server stands in where no S3 protocol is needed; the real S3
// round trip through the s3-swift fixture is in s3-server-swift.test.ts).
import { appendFileSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseComponentManifest } from '../../../src/components/s3-server/component-manifest.js';
import { credentialsPath, loadOrCreateCredentials } from '../../../src/components/s3-server/credentials.js';
import { launchArgv, launchEnv, parseTemplate, type LaunchValues } from '../../../src/components/s3-server/launch-argv.js';
import { loopbackHost } from '../../../src/components/s3-server/loopback-host.js';
import { portFree } from '../../../src/components/s3-server/process-group.js';
import { S3ServerSupervisor, type S3ServerEvent, type S3ServerOptions } from '../../../src/components/s3-server/s3-server-supervisor.js';
import { verifyComponentDir } from '../../../src/components/s3-server/verify-component.js';
import { expectCode, processesMentioning, testSigner, tinyComponent, waitFor, type TestSigner } from '../../fixtures/s3-component/build-component.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { freePort } from '../../storage/s3-fixture.js';

let signer: TestSigner;
let stranger: TestSigner;
const running: S3ServerSupervisor[] = [];

test.before(async () => {
  signer = await testSigner();
  stranger = await testSigner('someone else');
});
test.after(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
});

async function supervisor(
  componentDir: string,
  options: Partial<S3ServerOptions> = {},
): Promise<{ sup: S3ServerSupervisor; events: S3ServerEvent[]; dataDir: string }> {
  const events: S3ServerEvent[] = [];
  const dataDir = tempDir('mpegflow-data-');
  const sup = new S3ServerSupervisor({
    componentDir,
    dataDir,
    trust: signer.trust,
    port: await freePort(),
    startTimeoutMs: 10_000,
    healthIntervalMs: 100,
    stopGraceMs: 3000,
    restart: { initialDelayMs: 100, maxDelayMs: 1000 },
    onEvent: (e) => void events.push(e),
    ...options,
  });
  running.push(sup);
  return { sup, events, dataDir };
}

const values: LaunchValues = {
  host: '127.0.0.1',
  port: 9000,
  dataDir: '/d/s3-server/data',
  homeDir: '/d/s3-server/home',
  componentDir: '/c',
  accessKey: 'AK',
  secretKey: 'SK',
};

test('launch templates: whole placeholders, documented forms, argv array only', () => {
  const argv = launchArgv(
    ['bin/minio', 'server', '--address', '{host}:{port}', '--console-address={host}:{port}', '{dataDir}', '--certs-dir', '{homeDir}/certs', 'x y;rm -rf /'],
    values,
  );
  assert.equal(argv, [
    '/c/bin/minio',
    'server',
    '--address',
    '127.0.0.1:9000',
    '--console-address=127.0.0.1:9000',
    '/d/s3-server/data',
    '--certs-dir',
    '/d/s3-server/home/certs',
    'x y;rm -rf /',
  ]);
  assert.equal(launchArgv(['bin/s', '{host}:{port}', 'http://{host}:{port}'], { ...values, host: '::1' }).slice(1), ['[::1]:9000', 'http://[::1]:9000']);
  const env = launchEnv({ MINIO_ROOT_USER: '{accessKey}', MINIO_ROOT_PASSWORD: '{secretKey}', MINIO_BROWSER: 'off' }, values, { PATH: '/usr/bin' });
  assert.equal(env, { PATH: '/usr/bin', HOME: '/d/s3-server/home', MINIO_ROOT_USER: 'AK', MINIO_ROOT_PASSWORD: 'SK', MINIO_BROWSER: 'off' });
  for (const [bad, why] of [
    ['{secretKey}', /launch.env only/],
    ['pre{host}', /whole element/],
    ['{host}{port}', /whole element/],
    ['{nope}', /unknown placeholder/],
    ['{dataDir}/../etc', /holds \.\./],
    ['{port}/x', /not a folder placeholder/],
  ] as const) {
    const r = parseTemplate(bad, ['host', 'port', 'dataDir', 'homeDir', 'componentDir']);
    assert.ok(!r.ok && why.test(r.reason), `${bad}: ${JSON.stringify(r)}`);
  }
});

test('loopback only: 127.0.0.0/8 and ::1 accepted; anything else refused before any I/O', async () => {
  for (const ok of ['127.0.0.1', '127.45.6.7', '::1', '0:0:0:0:0:0:0:1']) loopbackHost(ok);
  for (const bad of ['0.0.0.0', '10.1.2.3', '192.168.0.10', '::', '::ffff:127.0.0.1', 'localhost', '128.0.0.1', '']) {
    await expectCode(async () => loopbackHost(bad), 'COMPONENT_NOT_LOOPBACK');
  }
  const dir = await tinyComponent(signer, 'serve');
  const dataDir = tempDir('mpegflow-data-');
  const err = await expectCode(
    async () => new S3ServerSupervisor({ componentDir: dir, dataDir, trust: signer.trust, host: '0.0.0.0', port: 9000 }),
    'COMPONENT_NOT_LOOPBACK',
  );
  assert.match(err.message, /not a loopback address/);
  assert.not.ok(existsSync(join(dataDir, 's3-server')));
});

test('credentials: generated once into <data>/secrets/s3-server.json (0600), reused, refused when readable by others', async () => {
  const data = tempDir('mpegflow-data-');
  const [a, b] = await Promise.all([loadOrCreateCredentials(data), loadOrCreateCredentials(data)]);
  assert.equal(a, b, 'concurrent first calls agree');
  assert.match(a.accessKey, /^MF[A-Z0-9]{18}$/);
  assert.match(a.secretKey, /^[A-Za-z0-9]{40}$/);
  const path = credentialsPath(data);
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.is(statSync(join(data, 'secrets')).mode & 0o777, 0o700);
  assert.equal(await loadOrCreateCredentials(data), a);
  assert.is.not((await loadOrCreateCredentials(tempDir('mpegflow-data-'))).secretKey, a.secretKey);
  chmodSync(path, 0o644);
  await expectCode(() => loadOrCreateCredentials(data), 'COMPONENT_CREDENTIALS_INVALID');
});

test('manifest: argv[0] must be a listed executable; generated credentials must reach launch.env; no path escapes', () => {
  const base = {
    schema: 'mpegflow.component/1',
    kind: 's3-server',
    name: 'minio',
    version: 'RELEASE.2025-04-22T22-12-26Z',
    launch: {
      argv: ['bin/minio', 'server', '--address', '{host}:{port}', '{dataDir}'],
      env: { MINIO_ROOT_USER: '{accessKey}', MINIO_ROOT_PASSWORD: '{secretKey}' },
    },
    credentials: { source: 'generated' },
    health: { path: '/minio/health/live', expectStatus: 200 },
    s3: { endpoint: 'http://{host}:{port}' },
    files: [{ path: 'bin/minio', size: 1, sha256: 'a'.repeat(64), mode: '0755' }],
  };
  const parse = (m: unknown) => parseComponentManifest(Buffer.from(JSON.stringify(m)));
  assert.ok(parse(base).ok);
  const reason = (m: unknown): string => {
    const r = parse(m);
    return r.ok ? 'accepted' : r.reason;
  };
  assert.match(reason({ ...base, files: [{ ...base.files[0], mode: '0644' }] }), /not executable/);
  assert.match(reason({ ...base, launch: { ...base.launch, argv: ['bin/other'] } }), /not a listed file/);
  assert.match(reason({ ...base, launch: { ...base.launch, argv: ['../../bin/sh'] } }), /unsafe path/);
  assert.match(reason({ ...base, launch: { ...base.launch, argv: ['/bin/sh', '-c', 'x'] } }), /unsafe path/);
  assert.match(reason({ ...base, launch: { ...base.launch, env: { MINIO_ROOT_USER: '{accessKey}' } } }), /never passes \{secretKey\}/);
  assert.match(reason({ ...base, launch: { ...base.launch, argv: ['bin/minio', '--secret', '{secretKey}'] } }), /launch.env only/);
  assert.match(reason({ ...base, files: [...base.files, { path: 'a/../b', size: 0, sha256: 'b'.repeat(64), mode: '0644' }] }), /holds \.\./);
  assert.match(reason({ ...base, s3: { endpoint: 'http://0.0.0.0:{port}' } }), /s3.endpoint/);
  assert.match(reason({ ...base, surprise: 1 }), /surprise|Unrecognized/);
});

test('verified component: signature by a trusted key, every file hashed', async () => {
  const dir = await tinyComponent(signer, 'serve');
  const v = await verifyComponentDir(dir, signer.trust);
  assert.is(v.signedBy, signer.key.fingerprint);
  assert.is(v.manifest.name, 'tiny-http-server');
  assert.match(v.id, /^[0-9a-f]{64}$/);
});

async function refusedWithoutLaunch(dir: string, reason: RegExp, trust = signer.trust): Promise<void> {
  const { sup, events, dataDir } = await supervisor(dir, { trust });
  const err = await expectCode(() => sup.start(), 'COMPONENT_UNVERIFIED');
  assert.match(String(err.details?.reason), reason);
  assert.match(err.message, /component at .* is unusable/);
  assert.equal(events, [], 'no event: nothing launched');
  assert.not.ok(existsSync(join(dataDir, 's3-server', 'server.log')), 'nothing launched (no log)');
  assert.equal(processesMentioning(dataDir), []);
  assert.ok(await portFree('127.0.0.1', sup.port));
  assert.is(sup.state, 'failed');
}

test('a modified file → COMPONENT_UNVERIFIED, nothing launched', async () => {
  const dir = await tinyComponent(signer, 'serve');
  const script = join(dir, 'bin', 'tiny-http-server');
  writeFileSync(script, readFileSync(script, 'utf8').replace('mode $mode', 'MODE $mode'));
  await refusedWithoutLaunch(dir, /sha256 of bin\/tiny-http-server .* \(modified\)/);
  appendFileSync(script, '\n# one more line\n');
  await refusedWithoutLaunch(dir, /size of bin\/tiny-http-server .* \(modified\)/);
});

test('unsigned, untrusted, re-written or extended components are refused', async () => {
  await refusedWithoutLaunch(await tinyComponent(null, 'serve'), /unsigned/);
  await refusedWithoutLaunch(await tinyComponent(stranger, 'serve'), /not trusted/);
  await refusedWithoutLaunch(await tinyComponent(signer, 'serve'), /no trusted keys/, { keys: [] });
  const rewritten = await tinyComponent(signer, 'serve');
  const m = join(rewritten, 'component.json');
  writeFileSync(m, readFileSync(m, 'utf8').replace('"serve"', '"silent"'));
  await refusedWithoutLaunch(rewritten, /signature does not verify/);
  const extra = await tinyComponent(signer, 'serve');
  writeFileSync(join(extra, 'bin', 'helper'), 'extra');
  await refusedWithoutLaunch(extra, /unexpected file bin\/helper/);
  const link = await tinyComponent(signer, 'serve');
  symlinkSync('/etc/passwd', join(link, 'passwd'));
  await refusedWithoutLaunch(link, /symlink passwd points outside/);
  const chmodded = await tinyComponent(signer, 'serve');
  chmodSync(join(chmodded, 'README'), 0o755);
  await refusedWithoutLaunch(chmodded, /mode of README is 0755/);
});

test('starts a verified component, health-checks it, stop() ends its process group', async () => {
  const dir = await tinyComponent(signer, 'serve');
  const { sup, events, dataDir } = await supervisor(dir);
  const ep = await sup.start();
  assert.is(ep.endpoint, `http://127.0.0.1:${sup.port}`);
  assert.equal([ep.accessKey, ep.secretKey], ['tiny', 'tiny-secret']);
  assert.is(sup.state, 'running');
  assert.is(events[0]?.type, 'started');
  assert.is((await fetch(`${ep.endpoint}/`)).status, 200);
  assert.ok(processesMentioning(dataDir).includes(ep.pid));
  const log = readFileSync(join(dataDir, 's3-server', 'server.log'), 'utf8');
  assert.match(log, /launch 1: component tiny-http-server 1 .* argv \[".*\/bin\/tiny-http-server","serve","127\.0\.0\.1"/);
  assert.match(log, /tiny-http-server: mode serve/);
  assert.is(statSync(join(dataDir, 's3-server')).mode & 0o777, 0o700);
  await sup.stop();
  assert.is(sup.state, 'stopped');
  assert.equal(processesMentioning(dataDir), []);
  assert.ok(await portFree('127.0.0.1', sup.port));
  assert.equal(
    events.map((e) => e.type),
    ['started', 'exited'],
  );
  assert.is(events[1]?.type === 'exited' && events[1].reason, 'stopped');
  await sup.stop(); // idempotent
});

test('a server that never becomes healthy → COMPONENT_START_FAILED within the bound, with the log tail, nothing left', async () => {
  const dir = await tinyComponent(signer, 'silent');
  const { sup, dataDir } = await supervisor(dir, { startTimeoutMs: 1500 });
  const t0 = Date.now();
  const err = await expectCode(() => sup.start(), 'COMPONENT_START_FAILED');
  const took = Date.now() - t0;
  assert.ok(took < 1500 + 3000, `took ${took} ms`);
  assert.match(err.message, /did not answer 200 within 1500 ms/);
  assert.match(err.message, /tiny-http-server: mode silent/);
  assert.equal(processesMentioning(dataDir), []);
  assert.is(sup.state, 'failed');
});

test('a server that exits during start-up → COMPONENT_START_FAILED at once, with its exit code and output', async () => {
  const dir = await tinyComponent(signer, 'exit');
  const { sup } = await supervisor(dir, { startTimeoutMs: 20_000 });
  const t0 = Date.now();
  const err = await expectCode(() => sup.start(), 'COMPONENT_START_FAILED');
  assert.ok(Date.now() - t0 < 5000);
  assert.match(err.message, /exited during start-up \(exit code 3\)/);
  assert.match(err.message, /failing on purpose/);
});

test('a port already taken → COMPONENT_START_FAILED, nothing launched', async () => {
  const other = await supervisor(await tinyComponent(signer, 'serve'));
  await other.sup.start();
  const { sup, dataDir } = await supervisor(await tinyComponent(signer, 'serve'), { port: other.sup.port });
  const err = await expectCode(() => sup.start(), 'COMPONENT_START_FAILED');
  assert.match(err.message, /already in use/);
  assert.not.ok(existsSync(join(dataDir, 's3-server', 'server.log')));
  await other.sup.stop();
});

test('crash → restarted with back-off; repeated crashes → gave_up COMPONENT_FAILED', async () => {
  const dir = await tinyComponent(signer, 'once');
  const { sup, events, dataDir } = await supervisor(dir, { restart: { maxRestarts: 3, windowMs: 60_000, initialDelayMs: 100, maxDelayMs: 1000 } });
  const first = await sup.start();
  process.kill(first.pid, 'SIGKILL');
  await waitFor(() => events.some((e) => e.type === 'gave_up'), 15_000, 'gave_up');
  const types = events.map((e) => e.type);
  assert.equal(types, ['started', 'exited', 'restarting', 'exited', 'restarting', 'exited', 'restarting', 'exited', 'gave_up']);
  const delays = events.flatMap((e) => (e.type === 'restarting' ? [e.delayMs] : []));
  assert.equal(delays, [100, 200, 400], 'exponential back-off');
  const gaveUp = events.at(-1);
  assert.ok(gaveUp?.type === 'gave_up' && gaveUp.error.code === 'COMPONENT_FAILED', JSON.stringify(gaveUp));
  assert.is(sup.state, 'failed');
  assert.is(sup.failure?.code, 'COMPONENT_FAILED');
  assert.equal(processesMentioning(dataDir), []);
  await sup.stop();
});

test('crash → restarted and healthy again; a component modified meanwhile is not relaunched', async () => {
  const dir = await tinyComponent(signer, 'serve');
  const { sup, events, dataDir } = await supervisor(dir);
  const first = await sup.start();
  process.kill(first.pid, 'SIGKILL');
  await waitFor(() => events.filter((e) => e.type === 'started').length === 2, 10_000, 'the restart');
  assert.equal(
    events.map((e) => e.type),
    ['started', 'exited', 'restarting', 'started'],
  );
  const exited = events[1];
  assert.ok(exited?.type === 'exited' && exited.signal === 'SIGKILL' && exited.reason === 'crashed');
  assert.is(sup.state, 'running');
  assert.is.not(sup.pid, first.pid);
  assert.is((await fetch(`${first.endpoint}/`)).status, 200);

  appendFileSync(join(dir, 'README'), 'tampered\n');
  process.kill(sup.pid as number, 'SIGKILL');
  await waitFor(() => events.some((e) => e.type === 'gave_up'), 10_000, 'gave_up');
  const gaveUp = events.at(-1);
  assert.ok(gaveUp?.type === 'gave_up' && gaveUp.error.code === 'COMPONENT_UNVERIFIED', JSON.stringify(gaveUp));
  assert.equal(events.filter((e) => e.type === 'started').length, 2, 'never relaunched unverified');
  assert.equal(processesMentioning(dataDir), []);
  await sup.stop();
});

test('an appliance crash leaves a server behind: the next start ends it first', async () => {
  const dir = await tinyComponent(signer, 'serve');
  const dataDir = tempDir('mpegflow-data-');
  const port = await freePort();
  // A separate appliance process starts the server, then is killed with SIGKILL (no stop()).
  const moduleUrl = new URL('../../../src/components/s3-server/s3-server-supervisor.js', import.meta.url).href;
  const code = `const { S3ServerSupervisor } = await import(${JSON.stringify(moduleUrl)});
    const s = new S3ServerSupervisor(JSON.parse(process.argv[1]));
    const ep = await s.start();
    process.stdout.write(JSON.stringify(ep) + '\\n');
    setInterval(() => {}, 1000);`;
  const appliance = spawn(
    process.execPath,
    ['--input-type=module', '-e', code, JSON.stringify({ componentDir: dir, dataDir, trust: signer.trust, port, stopGraceMs: 3000 })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  appliance.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('\n'), 15_000, 'the first appliance to start the server');
  const orphan = (JSON.parse(out) as { pid: number }).pid;
  appliance.kill('SIGKILL');
  await new Promise((r) => appliance.once('exit', r));
  assert.ok(processesMentioning(dataDir).includes(orphan), 'the server outlived its appliance');

  const b = new S3ServerSupervisor({ componentDir: dir, dataDir, trust: signer.trust, port, startTimeoutMs: 10_000, stopGraceMs: 3000 });
  running.push(b);
  const second = await b.start();
  assert.is.not(second.pid, orphan);
  assert.equal(processesMentioning(dataDir), [second.pid]);
  await b.stop();
  assert.equal(processesMentioning(dataDir), []);
});

test('stop() during start-up ends the launch', async () => {
  const dir = await tinyComponent(signer, 'silent');
  const { sup, dataDir } = await supervisor(dir, { startTimeoutMs: 20_000 });
  const starting = sup.start().then(
    () => null,
    (err: unknown) => err as { code?: string; message?: string },
  );
  await waitFor(() => sup.pid !== undefined, 5000, 'the launch');
  const t0 = Date.now();
  await sup.stop();
  const err = await starting;
  assert.is(err?.code, 'COMPONENT_START_FAILED');
  assert.match(String(err?.message), /stopped while starting/);
  assert.ok(Date.now() - t0 < 4000);
  assert.is(sup.state, 'stopped');
  assert.equal(processesMentioning(dataDir), []);
});

test.run();
