// Which hops are in clear, as /healthz and `mpegflow doctor` say.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Config } from '../../src/config/schema.js';
import { transportHops } from '../../src/tls/transport-hops.js';

type HopConfig = Pick<Config, 'http' | 'tls' | 'database' | 'storage'>;
const base: HopConfig = {
  http: { host: '127.0.0.1', port: 8080, bindWaitSeconds: 15 },
  tls: { mode: 'appliance-ca', hostnames: ['localhost'], minVersion: 'TLSv1.3' },
  database: { kind: 'sqlite', path: '/data/mpegflow.db' },
  storage: { kind: 'embedded', root: '/data/objects' },
};
const clear = (config: HopConfig, webhooks: string[] = []) =>
  transportHops(config, webhooks)
    .filter((h) => h.inClear)
    .map((h) => [h.name, h.loopbackOnly]);

test('the default appliance: nothing in clear', () => {
  assert.equal(clear(base), []);
  assert.equal(
    transportHops(base, []).map((h) => h.detail),
    [
      'HTTPS, TLSv1.3 and up, a certificate of the appliance CA',
      'SQLite file on this host (no network hop)',
      'embedded, on this host (no network hop)',
      'no targets',
    ],
  );
});

test('plain HTTP, S3 over http, PostgreSQL without verify, http webhooks: each in clear, loopback told apart', () => {
  assert.equal(clear({ ...base, tls: { mode: 'plain' } }), [['operator', true]]);
  const s3 = (endpoint: string, caFile: string | null = null): HopConfig => ({
    ...base,
    storage: { kind: 's3', endpoint, accessKey: 'a', secretKey: 'b', caFile },
  });
  assert.equal(clear(s3('http://10.0.0.5:9000')), [['objectStore', false]]);
  assert.equal(clear(s3('http://127.0.0.1:9000')), [['objectStore', true]]);
  assert.equal(clear(s3('https://s3.example:443', '/etc/ca.crt')), []);
  assert.equal(clear({ ...base, storage: { kind: 'bundled-s3', component: '/opt/minio', host: '127.0.0.1', port: 9000 } }), [['objectStore', true]]);
  assert.equal(clear({ ...base, database: { kind: 'postgres', url: 'postgres://u@db.example/mpegflow', poolSize: 10, requireAppendOnlyRole: false } }), [
    ['database', false],
  ]);
  assert.equal(
    clear({ ...base, database: { kind: 'postgres', url: 'postgres://u@db.example/mpegflow?sslmode=verify-full', poolSize: 10, requireAppendOnlyRole: false } }),
    [],
  );
  assert.equal(clear(base, ['https://hooks.example/a', 'http://127.0.0.1:9000/b']), [['webhooks', true]]);
  assert.equal(clear(base, ['http://hooks.example/a']), [['webhooks', false]]);
  assert.is(transportHops(base, ['https://a/', 'http://b/']).find((h) => h.name === 'webhooks')!.detail, '2 target(s), 1 over plain http');
});

test.run();
