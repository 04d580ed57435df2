import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprintOf, generateSigningKey, publicArmoredOf, signDetached, verifyDetached } from '../../src/signing/openpgp-keys.js';
import { gpgVerify, requireGpg } from '../helpers/gpg.js';

const data = new TextEncoder().encode('{"files":[{"path":"events.jsonl","sha256":"abc"}]}\n');

test('the key is an ed25519 v4 key whose signatures GnuPG 2.2 verifies', async () => {
  const version = requireGpg();
  assert.match(version, /gpg \(GnuPG\) 2\./);
  const key = await generateSigningKey({ name: 'MpegFlow test' });
  assert.match(key.fingerprint, /^[0-9A-F]{40}$/, 'a v4 fingerprint is 40 hex digits (v6 would be 64)');
  assert.is(await fingerprintOf(key.publicArmored), key.fingerprint);
  assert.is(await publicArmoredOf(key.privateArmored), key.publicArmored);
  const sig = await signDetached(key.privateArmored, data);
  const gpg = gpgVerify(key.publicArmored, data, sig);
  assert.ok(gpg.ok, gpg.output);
  assert.match(gpg.output, /Good signature/);
  assert.match(gpg.output, /EDDSA/i);
  const tampered = new Uint8Array(data);
  tampered[5] = tampered[5]! ^ 1;
  assert.not.ok(gpgVerify(key.publicArmored, tampered, sig).ok, 'gpg refuses a flipped byte');
});

test('verifyDetached: good, tampered, untrusted key, garbage signature', async () => {
  const key = await generateSigningKey({ name: 'trusted' });
  const other = await generateSigningKey({ name: 'stranger' });
  const sig = await signDetached(key.privateArmored, data);
  assert.equal(await verifyDetached([key.publicArmored], data, sig), { ok: true, fingerprint: key.fingerprint });
  const tampered = new Uint8Array(data);
  tampered[0] = tampered[0]! ^ 1;
  const bad = await verifyDetached([key.publicArmored], tampered, sig);
  assert.is(bad.ok, false);
  const untrusted = await verifyDetached([other.publicArmored], data, sig);
  assert.is(untrusted.ok, false);
  if (!untrusted.ok) assert.match(untrusted.reason, /not trusted/);
  const garbage = await verifyDetached([key.publicArmored], data, 'not a signature');
  assert.is(garbage.ok, false);
});

test.run();
