// The offline bundle installs and runs a job end to end in a network namespace that has
// only a loopback interface: no npm, no apt, no Debian mirror. Fails (never skips) in CI
// when network namespaces are unavailable.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testImage } from '../helpers/ffmpeg-image.js';
import { makeNetns, requireNetns, runInstaller, testBundle } from '../helpers/offline-bundle.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

const NS = `mpegflow-t${process.pid}`;

test('installed bundle: install, start on the bundled Node 24, a job and the audit chain, with loopback only', async () => {
  if (!requireNetns()) return;
  const bundle = await testBundle();
  const img = await testImage();
  const work = tempDir('mpegflow-netns-');
  const clip = join(work, 'clip.mp4');
  const ff = img.argv('ffmpeg');
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('640x360', 2), clip], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));

  const dropNs = makeNetns(NS);
  const inNs = (argv: string[], env: Record<string, string> = {}) =>
    runInstaller([
      'ip',
      'netns',
      'exec',
      NS,
      'env',
      '-i',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      'LC_ALL=C',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...argv,
    ]);
  let appliance: ReturnType<typeof spawn> | undefined;
  try {
    // Nothing outside is reachable from in there.
    const links = inNs(['ip', '-o', 'link']).stdout.trim().split('\n');
    assert.equal(links.length, 1, links.join('\n'));
    assert.match(links[0]!, /: lo:/);
    const reach = inNs([process.execPath, '-e', "fetch('https://registry.npmjs.org/').then(()=>process.exit(0),()=>process.exit(3))"]);
    assert.is(reach.code, 3, 'npm registry is reachable from the namespace');

    const prefix = join(work, 'opt', 'mpegflow');
    const data = join(work, 'data');
    const units = join(work, 'units');
    const started = Date.now();
    const install = inNs([
      'bash',
      bundle.installer,
      '--bundle',
      bundle.tar,
      '--key',
      bundle.publicKey,
      '--prefix',
      prefix,
      '--data-dir',
      data,
      '--user',
      'root',
      '--unit-dir',
      units,
      '--allow-ip',
      '10.9.8.7',
      '--apply-firewall',
    ]);
    assert.is(install.code, 0, install.stderr + install.stdout);
    assert.match(install.stdout, /^installed mpegflow-appliance \S+ in /m);
    console.log(`install: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const unit = readFileSync(join(units, 'mpegflow.service'), 'utf8');
    for (const line of [
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'IPAddressDeny=any',
      'IPAddressAllow=localhost 10.9.8.7',
      `ReadWritePaths=${data}`,
      `ExecStart=${prefix}/node/bin/node ${prefix}/app/bin/mpegflow.js start`,
      'ExecReload=/bin/kill -HUP $MAINPID',
    ]) {
      assert.ok(unit.includes(`\n${line}\n`), `unit lacks ${line}`);
    }
    const analyze = spawnSync('systemd-analyze', ['verify', join(units, 'mpegflow.service')], { encoding: 'utf8' });
    if (!analyze.error) assert.is(analyze.status, 0, analyze.stderr);
    // The egress-deny ruleset is loaded (into this namespace only): outbound dropped but for lo, replies and --allow-ip.
    const nft = inNs(['nft', 'list', 'table', 'inet', 'mpegflow_egress']);
    assert.is(nft.code, 0, nft.stderr);
    assert.match(nft.stdout, /policy drop;/);
    assert.match(nft.stdout, /ip daddr 10\.9\.8\.7 accept/);

    const port = 20000 + (process.pid % 20000);
    const env = { MPEGFLOW_DATA_DIR: data, MPEGFLOW_PORT: String(port), MPEGFLOW_LOG_LEVEL: 'warn' };
    appliance = spawn(
      'ip',
      ['netns', 'exec', NS, 'env', '-i', 'PATH=/usr/bin:/bin', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), join(prefix, 'bin', 'mpegflow'), 'start'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    appliance.stdout!.on('data', (d) => (out += d));
    appliance.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 120_000;
    while (!/listening on http/.test(out)) {
      if (Date.now() > deadline || appliance.exitCode !== null) throw new Error(`appliance did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const submit = inNs([join(prefix, 'bin', 'mpegflow'), 'submit', clip, '--wait'], env);
    assert.is(submit.code, 0, submit.stderr + submit.stdout);
    assert.match(submit.stdout, /completed/);

    // The operator UI is served from the installed bundle (built assets, nothing from outside).
    // Over HTTPS (the default), trusted through the appliance's own CA; plain HTTP is not served.
    assert.match(out, /listening on https:\/\/127\.0\.0\.1:\d+/);
    const page = inNs(['curl', '-sS', '--fail', '--cacert', join(data, 'tls', 'ca.crt'), `https://127.0.0.1:${port}/`]);
    assert.is(page.code, 0, `the UI page is not served over HTTPS by the installed bundle: ${page.stderr}`);
    assert.ok(page.stdout.includes('<title>MpegFlow Appliance</title>'), 'the UI page');

    const doctor = inNs([join(prefix, 'bin', 'mpegflow'), 'doctor'], env);
    assert.is(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /ok +listening +only 127\.0\.0\.1:\d+/);
    assert.match(doctor.stdout, /ok +transport +no hop in clear: operator: HTTPS, TLSv1\.3 and up/);
    assert.match(doctor.stdout, /ok +files +\d+ files match SHA256SUMS/);

    appliance.kill('SIGTERM');
    await new Promise((r) => appliance!.once('close', r));
    const verify = inNs([join(prefix, 'bin', 'mpegflow'), 'audit', 'verify'], env);
    assert.is(verify.code, 0, verify.stderr + verify.stdout);

    // What ran: the bundled Node 24, the bundle's image, nothing built or fetched.
    const bundleJson = JSON.parse(readFileSync(join(prefix, 'BUNDLE.json'), 'utf8')) as { node: { version: string } };
    const db = new Database(join(data, 'mpegflow.db'), { readonly: true });
    const events = db.prepare('SELECT type, payload FROM audit_events ORDER BY seq').all() as Array<{ type: string; payload: string }>;
    db.close();
    const startedEvent = events.find((e) => e.type === 'appliance.started');
    assert.is((JSON.parse(startedEvent!.payload) as { node: string }).node, bundleJson.node.version);
    assert.ok(bundleJson.node.version.startsWith('v24.'));
    assert.ok(
      events.some((e) => e.type === 'job.completed'),
      'no completed job in the audit trail',
    );
    assert.not.ok(
      events.some((e) => e.type === 'encoder_image.build_failed'),
      'the appliance tried to build (download) an image',
    );
    assert.ok(
      events.some((e) => e.type === 'encoder_image.imported' && e.payload.includes('/app/images/bundled/')),
      'the bundled image was not imported',
    );

    // doctor notices a changed file
    const victim = join(prefix, 'app', 'dist', 'src', 'cli', 'usage.js');
    const original = readFileSync(victim);
    writeFileSync(victim, Buffer.concat([original, Buffer.from('\n')]));
    const bad = inNs([join(prefix, 'bin', 'mpegflow'), 'doctor'], env);
    assert.is(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /FAIL {2}files +modified app\/dist\/src\/cli\/usage\.js/);
    writeFileSync(victim, original);

    // uninstall keeps the data dir
    const un = runInstaller(['bash', join(prefix, 'uninstall.sh')]);
    assert.is(un.code, 0, un.stderr);
    assert.not.ok(existsSync(prefix));
    assert.not.ok(existsSync(join(units, 'mpegflow.service')));
    assert.ok(existsSync(join(data, 'mpegflow.db')));
  } finally {
    if (appliance && appliance.exitCode === null) appliance.kill('SIGKILL');
    dropNs();
  }
});

test.run();
