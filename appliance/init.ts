import { existsSync, readFileSync } from 'node:fs';
import { generatePassword } from '../src/auth/passwords.js';
import { createUser } from '../src/auth/sessions.js';
import { generateToken, hashToken, newTokenId } from '../src/auth/tokens.js';
import type { Config } from '../src/config/schema.js';
import { packageVersion } from '../src/config/package-root.js';
import { fingerprintOf, generateSigningKey, publicArmoredOf } from '../src/signing/openpgp-keys.js';
import type { Store } from '../src/store/store.js';
import { writeFileAtomic } from './atomic-file.js';
import { ensureDataDir } from './data-dir.js';
import type { DataLayout } from './data-layout.js';
import { prepareServerTls, recordTlsFacts } from './boot-tls.js';

export interface InitReport {
  dataDirCreated: boolean;
  keyFingerprint: string;
  keyCreated: boolean;
  adminToken: { issued: boolean; source: 'generated' | 'MPEGFLOW_ADMIN_TOKEN' | 'existing'; path: string | null };
  /** The appliance CA's fingerprint (sha256) when the operator port uses it; null otherwise. */
  tlsCaFingerprint: string | null;
  /** The first operator account (`admin`), created when the appliance has none. */
  adminAccount?: { created: boolean; username: string; passwordPath: string | null };
}

const ACTOR = 'system:init';

async function ensureAuditKey(layout: DataLayout, store: Store): Promise<{ fingerprint: string; created: boolean }> {
  let created = false;
  if (!existsSync(layout.auditKey)) {
    const key = await generateSigningKey({ name: 'MpegFlow Appliance audit key' });
    writeFileAtomic(layout.auditKey, key.privateArmored, 0o600);
    created = true;
  }
  const privateArmored = readFileSync(layout.auditKey, 'utf8');
  const fingerprint = await fingerprintOf(privateArmored);
  // The public half is what auditors get; derive it from the private key every time.
  writeFileAtomic(layout.auditPublicKey, await publicArmoredOf(privateArmored), 0o644);
  const recorded = (await store.audit.list({ type: 'audit_key.created', limit: 10000 })).some(
    (e) => (e.payload as { fingerprint?: string }).fingerprint === fingerprint,
  );
  if (!recorded) {
    await store.change(async (tx) => {
      await tx.audit({
        type: 'audit_key.created',
        actor: ACTOR,
        payload: { fingerprint, algorithm: 'EdDSA ed25519 (OpenPGP v4)', publicKey: 'trust/audit-key.pub.asc' },
      });
    });
  }
  return { fingerprint, created };
}

async function ensureAdminToken(config: Config, layout: DataLayout, store: Store): Promise<InitReport['adminToken']> {
  if ((await store.tokens.countActive('admin')) > 0) {
    return { issued: false, source: 'existing', path: existsSync(layout.adminToken) ? layout.adminToken : null };
  }
  const seeded = config.adminTokenSeed;
  const token = seeded ?? generateToken();
  // The file first: a token committed to the store but never written anywhere would lock the admin out.
  if (!seeded) writeFileAtomic(layout.adminToken, `${token}\n`, 0o600);
  const id = newTokenId();
  const source = seeded ? 'MPEGFLOW_ADMIN_TOKEN' : 'generated';
  await store.change(async (tx) => {
    await tx.tokens.insert({ id, name: 'admin', role: 'admin', tokenHash: hashToken(token) });
    await tx.audit({ type: 'api_token.issued', actor: ACTOR, payload: { tokenId: id, name: 'admin', role: 'admin', source } });
  });
  return { issued: true, source, path: seeded ? null : layout.adminToken };
}

/**
 * The first operator account: when no account exists, `admin` with a generated password
 * written to `<data>/secrets/admin.password` (0600) before the account is committed.
 */
async function ensureAdminAccount(layout: DataLayout, store: Store): Promise<NonNullable<InitReport['adminAccount']>> {
  if ((await store.users.list()).length > 0)
    return { created: false, username: 'admin', passwordPath: existsSync(layout.adminPassword) ? layout.adminPassword : null };
  const password = generatePassword();
  writeFileAtomic(layout.adminPassword, `${password}\n`, 0o600);
  await createUser(store, { username: 'admin', role: 'admin', password }, ACTOR);
  return { created: true, username: 'admin', passwordPath: layout.adminPassword };
}

/** `mpegflow init`: data dir layout, audit signing key, admin token. Idempotent and crash-safe. */
export async function initAppliance(config: Config, layout: DataLayout, openStore: () => Promise<Store>): Promise<{ report: InitReport; store: Store }> {
  const { created } = ensureDataDir(layout);
  const store = await openStore();
  try {
    const key = await ensureAuditKey(layout, store);
    const adminToken = await ensureAdminToken(config, layout, store);
    const adminAccount = await ensureAdminAccount(layout, store);
    // The appliance CA and its server certificate exist from the first init (SIGHUP or a start reissues the latter).
    let tlsCaFingerprint: string | null = null;
    if (config.tls.mode === 'appliance-ca') {
      const tls = await prepareServerTls(config.tls, layout);
      await recordTlsFacts(store, tls.facts, ACTOR);
      tlsCaFingerprint = tls.caFingerprint;
    }
    if ((await store.audit.list({ type: 'appliance.initialized', limit: 1 })).length === 0) {
      await store.change(async (tx) => {
        await tx.audit({
          type: 'appliance.initialized',
          actor: ACTOR,
          payload: { version: packageVersion, dataDir: layout.root, auditKeyFingerprint: key.fingerprint },
        });
      });
    }
    return { report: { dataDirCreated: created, keyFingerprint: key.fingerprint, keyCreated: key.created, adminToken, adminAccount, tlsCaFingerprint }, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}
