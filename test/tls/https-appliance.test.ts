// The operator port over HTTPS, as a fresh `npm start` serves it and as a facility configures it:
// checked from outside with curl, openssl s_client, a WebSocket client and `mpegflow submit`.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { seedDebCache } from '../cli/deb-cache-seed.js';
import { makeClip, waitUntil } from '../helpers/appliance-crash.js';
import { killServers, runCli, startServer, type Started } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { generateApplianceCa, issueServerCertificate } from '../../src/tls/appliance-ca.js';
import { totpCode } from '../../src/auth/totp.js';

test.after(killServers);

/** Tools these checks run; under CI a missing one fails the suite (never a silent skip). */
for (const tool of ['curl', 'openssl']) {
  if (spawnSync(tool, ['--version']).error && spawnSync(tool, ['version']).error) throw new Error(`${tool} is not installed (apt-get install ${tool})`);
}

const cwd = tempDir('mpegflow-https-');
const data = join(cwd, 'data');
const caFile = join(data, 'tls', 'ca.crt');
/** HTTPS by default: the test helper's plain-HTTP opt-in unset. */
const HTTPS = { MPEGFLOW_PLAIN_HTTP: '' };

const curl = (args: string[]) => spawnSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' });
const portOf = (url: string) => new URL(url).port;
function sClient(port: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], {
    input: '',
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}
/** The fingerprint of the certificate the server presents now. */
function servedFingerprint(port: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}
function auditTypes(): Array<{ type: string; payload: Record<string, unknown> }> {
  const db = new Database(join(data, 'mpegflow.db'), { readonly: true });
  try {
    return (db.prepare('SELECT type, payload FROM audit_events ORDER BY seq').all() as Array<{ type: string; payload: string }>).map((e) => ({
      type: e.type,
      payload: JSON.parse(e.payload) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

test('a fresh start serves HTTPS with a generated CA: curl --cacert works and curl without it fails; TLS 1.2 and plain HTTP are refused', async () => {
  seedDebCache(data);
  const s = await startServer({ cwd, env: HTTPS, timeoutMs: 300_000 });
  try {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = new X509Certificate(readFileSync(caFile));
    assert.ok(ca.ca);
    assert.ok(s.output().includes(`TLS CA fingerprint (sha256): ${ca.fingerprint256}`), s.output());
    assert.match(s.output(), /TLS: TLSv1\.3 and up; certificate sha256 [0-9A-F:]{95}, for localhost, .*127\.0\.0\.1/);

    const ok = curl(['--cacert', caFile, '-D', '-', `${s.url}/healthz`]);
    assert.is(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^HTTP\/1\.1 200/);
    assert.match(ok.stdout, /strict-transport-security: max-age=31536000/i);
    assert.ok(ok.stdout.includes('{"status":"ok","inClear":[]}'), ok.stdout);
    // The certificate is for localhost too.
    const byName = curl(['--cacert', caFile, `https://localhost:${portOf(s.url)}/healthz`]);
    assert.is(byName.status, 0, byName.stderr);
    const untrusted = curl([`${s.url}/healthz`]);
    assert.is(untrusted.status, 60, `curl without the CA: ${untrusted.stderr}`);
    const plain = curl([`http://127.0.0.1:${portOf(s.url)}/healthz`]);
    assert.not.equal(plain.status, 0, 'plain HTTP on the HTTPS port answers nothing');
    assert.not.match(plain.stdout, /status/);

    const tls12 = sClient(portOf(s.url), ['-tls1_2', '-CAfile', caFile]);
    assert.not.equal(tls12.code, 0, tls12.out);
    assert.match(tls12.out, /alert protocol version|no protocols available|wrong version number|unsupported protocol/i);
    const tls13 = sClient(portOf(s.url), ['-tls1_3', '-CAfile', caFile, '-verify_return_error']);
    assert.is(tls13.code, 0, tls13.out);
    assert.match(tls13.out, /New, TLSv1\.3|Protocol\s*:\s*TLSv1\.3/);
    assert.match(tls13.out, /Verify return code: 0 \(ok\)/);

    // `mpegflow tls ca-cert` prints the CA and its fingerprint.
    const printed = runCli(['tls', 'ca-cert'], { cwd, env: HTTPS });
    assert.is(printed.code, 0, printed.stderr);
    assert.is(printed.stdout.trim(), readFileSync(caFile, 'utf8').trim());
    assert.ok(printed.stderr.includes(ca.fingerprint256));

    // The session cookie is Secure over HTTPS (the admin signs in with the authenticator code it enrolls).
    const password = readFileSync(join(data, 'secrets', 'admin.password'), 'utf8').trim();
    const post = (path: string, body: unknown) =>
      curl([
        '--cacert',
        caFile,
        '-D',
        '-',
        '-H',
        'content-type: application/json',
        '-H',
        'x-mpegflow-csrf: 1',
        '--data',
        JSON.stringify(body),
        `${s.url}/api/v1${path}`,
      ]);
    const passwordOnly = post('/session', { username: 'admin', password });
    assert.match(passwordOnly.stdout, /^HTTP\/1\.1 401/);
    assert.match(passwordOnly.stdout, /TOTP_ENROLLMENT_REQUIRED/);
    assert.not.match(passwordOnly.stdout, /set-cookie/i);
    const enrollment = post('/session/totp-enrollment', { username: 'admin', password });
    const secret = /"secret":"([A-Z2-7]+)"/.exec(enrollment.stdout)?.[1];
    assert.ok(secret, enrollment.stdout);
    const login = post('/session', { username: 'admin', password, totp: totpCode(secret, Date.now()) });
    assert.is(login.status, 0, login.stderr);
    assert.match(login.stdout, /^HTTP\/1\.1 200/);
    assert.match(login.stdout, /^set-cookie: [^\n]*; Secure/im);

    // /ws over wss, trusting the CA.
    const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
    const hello = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${s.url.replace(/^https/, 'wss')}/ws`, ['mpegflow.v1'], {
        ca: readFileSync(caFile),
        headers: { authorization: `Bearer ${token}` },
      });
      ws.once('message', (m) => {
        ws.close();
        resolve(String(m));
      });
      ws.once('error', reject);
    });
    assert.match(hello, /"type":"hello"/);

    // `mpegflow submit`: verified against --ca; without it (and with --url) the certificate is not trusted.
    const clip = join(cwd, 'clip.mp4');
    await makeClip(clip, '320x180', 1);
    const refused = runCli(['submit', clip, '--url', `https://localhost:${portOf(s.url)}`, '--token', token], { cwd, env: HTTPS });
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /TLS_UNTRUSTED|certificate this client does not trust/);
    const submitted = runCli(['submit', clip, '--url', `https://localhost:${portOf(s.url)}`, '--token', token, '--ca', caFile], { cwd, env: HTTPS });
    assert.is(submitted.code, 0, submitted.stderr);
    assert.match(submitted.stdout, /^job_\S+/m);
    // And from the config alone (URL and CA from the data dir), as an operator on the host runs it.
    const local = runCli(['submit', clip], { cwd, env: { ...HTTPS, MPEGFLOW_PORT: portOf(s.url) } });
    assert.is(local.code, 0, local.stderr);
  } finally {
    assert.is(await s.stop(), 0);
  }
  const types = auditTypes();
  const created = types.filter((e) => e.type === 'tls.ca_created');
  assert.is(created.length, 1);
  assert.is(created[0]!.payload['fingerprint'], new X509Certificate(readFileSync(caFile)).fingerprint256);
  assert.is(types.filter((e) => e.type === 'tls.certificate_issued').length, 1);
  const started = types.find((e) => e.type === 'appliance.started')!;
  assert.equal((started.payload['tls'] as { mode: string; minVersion: string }).mode, 'appliance-ca');
});

test("the facility's certificate: served as given, TLS 1.2 when opted in, reloaded on SIGHUP; a bad one is refused and the old one stays", async () => {
  const ca = await generateApplianceCa({ commonName: 'Facility test CA' });
  const first = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
  const second = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
  const other = await issueServerCertificate(ca, ['localhost']);
  const facility = tempDir('mpegflow-facility-tls-');
  const files = { certFile: join(facility, 'server.crt'), keyFile: join(facility, 'server.key'), chainFile: join(facility, 'chain.crt') };
  writeFileSync(files.certFile, first.cert);
  writeFileSync(files.keyFile, first.key);
  writeFileSync(files.chainFile, ca.cert);
  const facilityCa = join(facility, 'ca.crt');
  writeFileSync(facilityCa, ca.cert);
  const config = join(facility, 'config.json');
  writeFileSync(config, JSON.stringify({ tls: { ...files, minVersion: 'TLSv1.2' } }));
  const env = { ...HTTPS, MPEGFLOW_CONFIG: config };

  const s: Started = await startServer({ cwd, env });
  try {
    const port = portOf(s.url);
    assert.is(await servedFingerprint(port), new X509Certificate(first.cert).fingerprint256);
    assert.not.match(s.output(), /TLS CA fingerprint/, 'no appliance CA is announced');
    const ok = curl(['--cacert', facilityCa, `${s.url}/healthz`]);
    assert.is(ok.status, 0, ok.stderr);
    const tls12 = sClient(port, ['-tls1_2', '-CAfile', facilityCa, '-verify_return_error']);
    assert.is(tls12.code, 0, tls12.out);
    assert.match(tls12.out, /Protocol\s*:\s*TLSv1\.2/);
    const noCa = runCli(['tls', 'ca-cert'], { cwd, env });
    assert.is(noCa.code, 1);
    assert.match(noCa.stderr, /no appliance CA: the operator port serves the facility's certificate/);

    // A new certificate on disk, then SIGHUP: served without a restart.
    writeFileSync(files.keyFile, second.key);
    writeFileSync(files.certFile, second.cert);
    s.child.kill('SIGHUP');
    const secondFp = new X509Certificate(second.cert).fingerprint256;
    await waitUntil('the reloaded certificate', async () => (await servedFingerprint(port)) === secondFp, 15_000);
    assert.is(curl(['--cacert', facilityCa, `${s.url}/healthz`]).status, 0);

    // A key of another certificate: the reload is refused and the good one stays served.
    writeFileSync(files.keyFile, other.key);
    s.child.kill('SIGHUP');
    await waitUntil('the refused reload', () => /TLS certificate not reloaded \(SIGHUP\): TLS_KEY_MISMATCH/.test(s.output()), 15_000);
    assert.is(await servedFingerprint(port), secondFp);
    assert.is(s.child.exitCode, null, 'still running');
  } finally {
    assert.is(await s.stop(), 0);
  }
  const types = auditTypes();
  const reloaded = types.filter((e) => e.type === 'tls.certificate_reloaded');
  assert.is(reloaded.length, 1);
  assert.is(reloaded[0]!.payload['fingerprint'], new X509Certificate(second.cert).fingerprint256);
  assert.is(reloaded[0]!.payload['reason'], 'SIGHUP');
  const failed = types.filter((e) => e.type === 'tls.reload_failed');
  assert.is(failed.length, 1);
  assert.is(failed[0]!.payload['code'], 'TLS_KEY_MISMATCH');

  // An expired certificate at start: refused before anything is bound or started.
  const expired = await issueServerCertificate(ca, ['localhost'], new Date(Date.now() - 400 * 86400e3));
  writeFileSync(files.certFile, expired.cert);
  writeFileSync(files.keyFile, expired.key);
  const before = types.length;
  const r = runCli(['start'], { cwd, env });
  assert.is(r.code, 1);
  assert.match(r.stderr, /TLS certificate .* expired at/);
  assert.is(auditTypes().length, before, 'nothing happened');
});

test('plain HTTP is refused on a non-loopback address', () => {
  const r = runCli(['start'], { cwd, env: { MPEGFLOW_PLAIN_HTTP: 'true', MPEGFLOW_HOST: '0.0.0.0' } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /MPEGFLOW_PLAIN_HTTP: plain HTTP is allowed on a loopback address only, and the listen address is 0\.0\.0\.0/);
});

test.run();
