import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { WebhookAllowList } from '../../src/events/webhooks/allow-list.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 8 * 2 ** 30 };
const secret = 'a-secret-of-16-chars';

function load(json: unknown) {
  const cwd = tempDir();
  const file = join(cwd, 'config.json');
  writeFileSync(file, JSON.stringify(json));
  return loadConfig({ env: { MPEGFLOW_CONFIG: file }, host, cwd });
}

function failure(fn: () => unknown): ApplianceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplianceError) return err;
    throw err;
  }
  throw new Error('expected a config error');
}

test('the webhook allow-list defaults to the hosts of the configured webhooks', () => {
  assert.equal(load({}).webhookAllowedHosts, []);
  const c = load({
    webhooks: [
      { url: 'http://MAM.internal:9000/hooks', secret },
      { url: 'https://[fd00::7]/x', secret },
    ],
  });
  assert.equal(c.webhookAllowedHosts, ['mam.internal', 'fd00::7']);
  const list = new WebhookAllowList(c.webhookAllowedHosts);
  assert.ok(list.allows('http://mam.internal:1234/other'));
  assert.ok(list.allows('https://[fd00::7]:8443/'));
  assert.ok(list.allows('http://127.0.0.1:9/'), 'loopback always');
  assert.ok(list.allows('http://localhost/'));
  assert.not.ok(list.allows('http://mam.internal.example.com/'));
  assert.not.ok(list.allows('ftp://mam.internal/'));
});

test('an explicit webhookAllowedHosts is used; a configured webhook outside it fails start-up with one line', () => {
  const c = load({
    webhookAllowedHosts: ['10.1.2.3', 'Hooks.Internal'],
    webhooks: [
      { url: 'http://hooks.internal/x', secret },
      { url: 'http://127.0.0.1:7/x', secret },
    ],
  });
  assert.equal(c.webhookAllowedHosts, ['10.1.2.3', 'hooks.internal']);
  const err = failure(() => load({ webhookAllowedHosts: ['10.1.2.3'], webhooks: [{ url: 'http://mam.internal/x', secret }] }));
  assert.is(err.code, 'CONFIG_INVALID');
  assert.match(err.message, /webhooks\[0\]\.url: host mam\.internal is not in webhookAllowedHosts/);
  assert.match(failure(() => load({ webhookAllowedHosts: ['http://x/'] })).message, /webhookAllowedHosts\[0\]/);
  assert.match(
    failure(() => load({ webhooks: [{ url: 'http://u:p@h.internal/x', secret }] })).message,
    /webhooks\[0\]\.url: must not carry a user name or password/,
  );
});

test.run();
