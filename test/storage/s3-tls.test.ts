// S3 over https: the endpoint's certificate is checked against MPEGFLOW_S3_CA_FILE (or the host's
// CAs), never skipped. A real S3 server (the fixture) behind a real TLS front with a test CA.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootAtRest } from '../../appliance/boot-at-rest.js';
import { bootStorage } from '../../appliance/boot-storage.js';
import { writeKekFile } from '../helpers/kek-file.js';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { Health } from '../../src/http/health.js';
import { createLogger } from '../../src/log/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { generateApplianceCa, issueServerCertificate } from '../../src/tls/appliance-ca.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tlsProxy } from '../helpers/tls-proxy.js';
import { s3Env } from './s3-fixture.js';

const host = { cores: 2, memoryBytes: 8 * 2 ** 30 };
const logger = createLogger('silent');
const noTrust = { keys: [] };

test('https S3: works with MPEGFLOW_S3_CA_FILE; without it, or with another CA, start-up stops with STORAGE_TLS_UNTRUSTED', async () => {
  const s3 = await s3Env();
  if (!s3) return;
  const ca = await generateApplianceCa({ commonName: 'S3 test CA' });
  const other = await generateApplianceCa({ commonName: 'Another CA' });
  const cert = await issueServerCertificate(ca, ['127.0.0.1']);
  const proxy = await tlsProxy(Number(new URL(s3.endpoint).port), cert);
  const cwd = tempDir('mpegflow-s3-tls-');
  writeFileSync(join(cwd, 'ca.crt'), ca.cert);
  writeFileSync(join(cwd, 'other.crt'), other.cert);
  const store = new SqliteStore({ path: join(cwd, 'mpegflow.db') });
  const env = {
    MPEGFLOW_S3_ENDPOINT: `https://127.0.0.1:${proxy.port}`,
    MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
    MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
    MPEGFLOW_KEK_FILE: writeKekFile(cwd),
  };
  const boot = async (extra: Record<string, string>) => {
    const config = loadConfig({ env: { ...env, ...extra }, host, cwd });
    return bootStorage(config, store, noTrust, new Health(), logger, await bootAtRest(config, store, logger, 'test'));
  };
  try {
    const booted = await boot({ MPEGFLOW_S3_CA_FILE: join(cwd, 'ca.crt') });
    assert.match(booted.describe, /^S3 at https:\/\/127\.0\.0\.1:\d+ \(certificate checked against .*ca\.crt\), encrypted at rest under kek-/);
    await booted.objects.put('input', 'tls-check.txt', Readable.from([Buffer.from('over TLS')]));
    assert.is(await text(await booted.objects.get('input', 'tls-check.txt')), 'over TLS');
    await booted.stop();

    for (const extra of [{}, { MPEGFLOW_S3_CA_FILE: join(cwd, 'other.crt') }] as Array<Record<string, string>>) {
      try {
        await boot(extra);
        assert.unreachable('an untrusted certificate must stop start-up');
      } catch (err) {
        assert.instance(err, ApplianceError);
        assert.is((err as ApplianceError).code, 'STORAGE_TLS_UNTRUSTED', (err as Error).message);
        assert.match((err as Error).message, /set MPEGFLOW_S3_CA_FILE/);
      }
    }
    try {
      await boot({ MPEGFLOW_S3_CA_FILE: join(cwd, 'missing.crt') });
      assert.unreachable('a missing CA file must stop start-up');
    } catch (err) {
      assert.is((err as ApplianceError).code, 'TLS_FILE_UNREADABLE');
    }
  } finally {
    await store.close();
    await proxy.close();
    s3.stop();
  }
});

test('a CA file for a plain http:// endpoint, or without an endpoint, is a config error', () => {
  const cwd = tempDir();
  const http = { MPEGFLOW_S3_ENDPOINT: 'http://127.0.0.1:9000', MPEGFLOW_S3_ACCESS_KEY: 'a', MPEGFLOW_S3_SECRET_KEY: 'b', MPEGFLOW_S3_CA_FILE: '/ca.crt' };
  assert.throws(() => loadConfig({ env: http, host, cwd }), /MPEGFLOW_S3_CA_FILE: set, but MPEGFLOW_S3_ENDPOINT is not https:\/\//);
  assert.throws(() => loadConfig({ env: { MPEGFLOW_S3_CA_FILE: '/ca.crt' }, host, cwd }), /MPEGFLOW_S3_CA_FILE: set without MPEGFLOW_S3_ENDPOINT/);
});

test.run();
