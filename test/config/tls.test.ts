// The operator port's TLS settings: HTTPS by default, the facility's files, plain HTTP only on loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 24 * 2 ** 30, hostname: 'Encoder-01' };

function load(env: Record<string, string>, file?: unknown) {
  const cwd = tempDir();
  if (file !== undefined) {
    writeFileSync(join(cwd, 'config.json'), JSON.stringify(file));
    env = { MPEGFLOW_CONFIG: join(cwd, 'config.json'), ...env };
  }
  return loadConfig({ env, host, cwd });
}

function refused(env: Record<string, string>, file?: unknown): ApplianceError {
  try {
    load(env, file);
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw err;
  }
  throw new Error('expected a config error');
}

test('default: HTTPS from the appliance CA, TLS 1.3, for localhost, this host and loopback', () => {
  assert.equal(load({}).tls, { mode: 'appliance-ca', hostnames: ['localhost', 'encoder-01', '127.0.0.1', '::1'], minVersion: 'TLSv1.3' });
  // A specific listen address is a name of the certificate too; a wildcard is not.
  assert.equal((load({ MPEGFLOW_HOST: '10.1.2.3' }).tls as { hostnames: string[] }).hostnames, ['localhost', 'encoder-01', '127.0.0.1', '::1', '10.1.2.3']);
  assert.equal((load({ MPEGFLOW_HOST: '0.0.0.0' }).tls as { hostnames: string[] }).hostnames, ['localhost', 'encoder-01', '127.0.0.1', '::1']);
  assert.equal(load({}, { tls: { hostnames: ['appliance.example'], minVersion: 'TLSv1.2' } }).tls, {
    mode: 'appliance-ca',
    hostnames: ['appliance.example'],
    minVersion: 'TLSv1.2',
  });
});

test("the facility's certificate: both files or neither", () => {
  assert.equal(load({}, { tls: { certFile: '/etc/ssl/a.crt', keyFile: '/etc/ssl/a.key' } }).tls, {
    mode: 'facility',
    certFile: '/etc/ssl/a.crt',
    keyFile: '/etc/ssl/a.key',
    chainFile: null,
    minVersion: 'TLSv1.3',
  });
  const half = refused({}, { tls: { certFile: '/etc/ssl/a.crt' } });
  assert.is(half.code, 'CONFIG_INVALID');
  assert.match(half.message, /tls\.keyFile: required with tls\.certFile/);
  assert.match(refused({}, { tls: { certFile: 'a.crt', keyFile: '/k' } }).message, /tls\.certFile: must be an absolute path/);
  assert.match(refused({}, { tls: { minVersion: 'TLSv1.1' } }).message, /tls\.minVersion/);
});

test('plain HTTP: only when asked for, only on loopback, never with certificate files', () => {
  assert.equal(load({ MPEGFLOW_PLAIN_HTTP: 'true' }).tls, { mode: 'plain' });
  assert.equal(load({ MPEGFLOW_PLAIN_HTTP: '1', MPEGFLOW_HOST: '127.0.0.5' }).tls, { mode: 'plain' });
  assert.equal(load({}, { tls: { plainHttp: true }, http: { host: '::1' } }).tls, { mode: 'plain' });
  // The variable wins over the file, both ways.
  assert.is(load({ MPEGFLOW_PLAIN_HTTP: 'false' }, { tls: { plainHttp: true } }).tls.mode, 'appliance-ca');
  const wide = refused({ MPEGFLOW_PLAIN_HTTP: 'true', MPEGFLOW_HOST: '0.0.0.0' });
  assert.is(wide.code, 'CONFIG_INVALID');
  assert.match(wide.message, /^MPEGFLOW_PLAIN_HTTP: plain HTTP is allowed on a loopback address only/);
  assert.match(refused({}, { tls: { plainHttp: true }, http: { host: '192.168.1.10' } }).message, /^tls\.plainHttp: plain HTTP is allowed on a loopback/);
  assert.match(refused({ MPEGFLOW_PLAIN_HTTP: 'true' }, { tls: { certFile: '/a', keyFile: '/b' } }).message, /exclude each other/);
  assert.match(refused({ MPEGFLOW_PLAIN_HTTP: 'yes' }).message, /MPEGFLOW_PLAIN_HTTP: expected true or false/);
});

test.run();
