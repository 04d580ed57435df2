import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 24 * 2 ** 30 };

function failure(fn: () => unknown): ApplianceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw err;
  }
  throw new Error('expected a config error');
}

function withFile(json: unknown): { cwd: string; env: Record<string, string> } {
  const cwd = tempDir();
  const file = join(cwd, 'config.json');
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return { cwd, env: { MPEGFLOW_CONFIG: file } };
}

test('embedded defaults derived from the host', () => {
  const cwd = tempDir();
  const c = loadConfig({ env: {}, host, cwd });
  assert.is(c.dataDir, join(cwd, 'data'));
  assert.equal(c.http, { host: '127.0.0.1', port: 8080, bindWaitSeconds: 15 });
  assert.equal(c.database, { kind: 'sqlite', path: join(cwd, 'data', 'mpegflow.db') });
  assert.equal(c.storage, { kind: 'embedded', root: join(cwd, 'data', 'objects') });
  assert.equal(c.pools.encode.cores, [0, 1]);
  assert.equal(c.pools.probe.cores, [1]);
  assert.is(c.pools.encode.memoryLimitBytes, Math.floor(host.memoryBytes * 0.75));
  assert.is(c.configFile, null);
});

test('a big host gives probe and package cores of their own', () => {
  const c = loadConfig({ env: {}, host: { cores: 16, memoryBytes: 2 ** 36 }, cwd: tempDir() });
  assert.equal(c.pools.probe.cores, [0]);
  assert.equal(c.pools.package.cores, [1]);
  assert.equal(c.pools.encode.cores, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
});

test('the config file overrides defaults and the environment overrides the file', () => {
  const { cwd, env } = withFile({ http: { port: 9000, host: '0.0.0.0' }, pools: { encode: { cores: [1], memoryLimitPercent: 50 } } });
  const fromFile = loadConfig({ env, host, cwd });
  assert.is(fromFile.http.port, 9000);
  assert.equal(fromFile.pools.encode.cores, [1]);
  assert.is(fromFile.pools.encode.memoryLimitBytes, host.memoryBytes / 2);
  const fromEnv = loadConfig({ env: { ...env, MPEGFLOW_PORT: '9100' }, host, cwd });
  assert.is(fromEnv.http.port, 9100);
  assert.is(fromEnv.http.host, '0.0.0.0');
});

test('<data>/config.json is read when MPEGFLOW_CONFIG is unset', () => {
  const cwd = tempDir();
  const data = join(cwd, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'config.json'), JSON.stringify({ http: { port: 1234 } }));
  assert.is(loadConfig({ env: {}, host, cwd }).http.port, 1234);
});

test('the image build takes its mirror, keyring, tool PATH and proxies from the environment, once', () => {
  const cwd = tempDir();
  const env = { MPEGFLOW_DEBIAN_MIRROR: ' http://deb.example/debian ', MPEGFLOW_DEBIAN_KEYRING: '/k.gpg', PATH: '/opt/bin', https_proxy: 'http://p:3128' };
  const c = loadConfig({ env, host, cwd });
  assert.equal(c.buildHost, {
    debianMirror: 'http://deb.example/debian',
    debianKeyring: '/k.gpg',
    toolPath: '/opt/bin',
    proxies: { https_proxy: 'http://p:3128' },
  });
  const d = loadConfig({ env: {}, host, cwd });
  assert.is(d.buildHost.debianMirror, null, 'unset: the host apt sources decide');
  assert.is(d.buildHost.debianKeyring, '/usr/share/keyrings/debian-archive-keyring.gpg');
  assert.ok(loadConfig({ env: { MPEGFLOW_DEBUG: '1' }, host, cwd }), 'MPEGFLOW_DEBUG is a known variable');
});

test('the config is frozen', () => {
  const c = loadConfig({ env: {}, host, cwd: tempDir() });
  assert.throws(() => {
    (c.http as { port: number }).port = 1;
  });
  assert.throws(() => {
    (c.pools.encode.cores as number[]).push(3);
  });
});

test('an unknown key in the file is named', () => {
  const { cwd, env } = withFile({ pools: { encode: { corez: [1] } } });
  const err = failure(() => loadConfig({ env, host, cwd }));
  assert.is(err.code, 'CONFIG_INVALID');
  assert.match(err.message, /pools\.encode\.corez: unknown key/);
});

test('a bad value in the file names the key and why', () => {
  const { cwd, env } = withFile({ webhooks: [{ url: 'ftp://x', secret: 'short' }] });
  assert.match(failure(() => loadConfig({ env, host, cwd })).message, /webhooks\[0\]\.url/);
  const second = withFile({ watchFolders: [{ path: 'relative/dir' }] });
  assert.match(failure(() => loadConfig({ env: second.env, host, cwd: second.cwd })).message, /watchFolders\[0\]\.path: must be an absolute path/);
});

test('a core the host does not have is refused', () => {
  const { cwd, env } = withFile({ pools: { encode: { cores: [0, 7] } } });
  assert.match(failure(() => loadConfig({ env, host, cwd })).message, /pools\.encode\.cores\[1\]: core 7 does not exist on this host \(2 cores/);
});

test('a file that is not JSON, or is missing, is one clear error', () => {
  const { cwd, env } = withFile('{ "http": ');
  assert.match(failure(() => loadConfig({ env, host, cwd })).message, /not valid JSON/);
  assert.match(
    failure(() => loadConfig({ env: { MPEGFLOW_CONFIG: '/nonexistent/c.json' }, host, cwd })).message,
    /MPEGFLOW_CONFIG: cannot read \/nonexistent\/c\.json \(ENOENT\)/,
  );
});

test('bad environment values name the variable', () => {
  const cwd = tempDir();
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_PORT: 'eighty' }, host, cwd })).message, /^MPEGFLOW_PORT: expected a port number/);
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_PORT: '70000' }, host, cwd })).message, /^MPEGFLOW_PORT:/);
  assert.match(
    failure(() => loadConfig({ env: { MPEGFLOW_DATABASE_URL: 'mysql://x' }, host, cwd })).message,
    /^MPEGFLOW_DATABASE_URL: expected a postgres or postgresql URL/,
  );
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_S3_ENDPOINT: 'http://127.0.0.1:9000' }, host, cwd })).message, /^MPEGFLOW_S3_ACCESS_KEY: required/);
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_ADMIN_TOKEN: 'short' }, host, cwd })).message, /^MPEGFLOW_ADMIN_TOKEN: must be at least 24/);
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_PRT: '1' }, host, cwd })).message, /^MPEGFLOW_PRT: unknown variable/);
});

test('node id and roles: a whole node by default; a partial node needs PostgreSQL and S3', () => {
  const cwd = tempDir();
  const whole = loadConfig({ env: { MPEGFLOW_NODE_ID: 'n1' }, host, cwd });
  assert.equal(whole.node, { id: 'n1', roles: ['api', 'worker'], pools: ['probe', 'encode', 'package'] });
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_NODE_ID: '-bad id' }, host, cwd })).message, /^MPEGFLOW_NODE_ID: "-bad id" is not a node id/);
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_NODE_ROLES: 'api,cook' }, host, cwd })).message, /^MPEGFLOW_NODE_ROLES: unknown role "cook"/);
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_NODE_ROLES: 'worker' }, host, cwd })).message, /^MPEGFLOW_NODE_ROLES: .*PostgreSQL store/);
  const pg = { MPEGFLOW_DATABASE_URL: 'postgres://u@db.example/mpegflow' };
  assert.match(
    failure(() => loadConfig({ env: { ...pg, MPEGFLOW_NODE_ROLES: 'worker' }, host, cwd })).message,
    /^MPEGFLOW_S3_ENDPOINT: .*embedded object store/,
  );
  const s3 = {
    MPEGFLOW_S3_ENDPOINT: 'http://127.0.0.1:9000',
    MPEGFLOW_S3_ACCESS_KEY: 'a',
    MPEGFLOW_S3_SECRET_KEY: 'b',
    MPEGFLOW_KEK_FILE: '/etc/mpegflow/kek.hex',
  };
  const worker = loadConfig({ env: { ...pg, ...s3, MPEGFLOW_NODE_ROLES: 'worker' }, host, cwd });
  assert.equal(worker.node.roles, ['worker']);
  assert.equal(loadConfig({ env: { ...pg, ...s3, MPEGFLOW_NODE_ROLES: 'api' }, host, cwd }).node.pools, []);
});

test('S3 settings switch the object store; S3 needs encryption at rest (a KEK outside the data dir)', () => {
  const cwd = tempDir();
  const s3 = { MPEGFLOW_S3_ENDPOINT: 'http://127.0.0.1:9000', MPEGFLOW_S3_ACCESS_KEY: 'a', MPEGFLOW_S3_SECRET_KEY: 'b' };
  const c = loadConfig({ env: { ...s3, MPEGFLOW_KEK_FILE: '/etc/mpegflow/kek.hex' }, host, cwd });
  assert.equal(c.storage, { kind: 's3', endpoint: 'http://127.0.0.1:9000', accessKey: 'a', secretKey: 'b', caFile: null });
  assert.is(c.atRest.kekFile, '/etc/mpegflow/kek.hex');
  assert.match(c.atRest.scratchDir, /^\/dev\/shm\/mpegflow-[0-9a-f]{12}$/);
  assert.match(
    failure(() => loadConfig({ env: s3, host, cwd })).message,
    /^MPEGFLOW_KEK_FILE: required with S3 storage: the appliance writes nothing in clear to S3/,
  );
  assert.match(
    failure(() => loadConfig({ env: { MPEGFLOW_KEK_FILE: join(cwd, 'data', 'kek.hex') }, host, cwd })).message,
    /^MPEGFLOW_KEK_FILE: .* is inside the data directory/,
  );
  assert.is(loadConfig({ env: {}, host, cwd }).atRest.kekFile, null, 'embedded: off unless a KEK is configured');
  // A KEK command (an HSM, a KMS) instead of a file: absolute, and not both.
  writeFileSync(join(cwd, 'cmd.json'), JSON.stringify({ atRest: { kekCommand: ['/opt/kek-tool', '--conf', '/etc/kek.conf'] } }));
  const cmd = loadConfig({ env: { ...s3, MPEGFLOW_CONFIG: join(cwd, 'cmd.json') }, host, cwd });
  assert.equal(cmd.atRest.kekCommand, ['/opt/kek-tool', '--conf', '/etc/kek.conf']);
  assert.match(
    failure(() => loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'cmd.json'), MPEGFLOW_KEK_FILE: '/etc/kek.hex' }, host, cwd })).message,
    /not both/,
  );
  writeFileSync(join(cwd, 'rel.json'), JSON.stringify({ atRest: { kekCommand: ['kek-tool'] } }));
  assert.match(failure(() => loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'rel.json') }, host, cwd })).message, /absolute path/);
});

test.run();
