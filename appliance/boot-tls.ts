import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { Config, TlsConfig, TlsMinVersion } from '../src/config/schema.js';
import { httpsServerOptions } from '../src/http/bind-port.js';
import type { Logger } from '../src/log/logger.js';
import type { Store } from '../src/store/store.js';
import { generateApplianceCa, issueServerCertificate } from '../src/tls/appliance-ca.js';
import { certificateCovers, readTlsMaterial, type TlsMaterial } from '../src/tls/tls-material.js';
import { writeFileAtomic } from './atomic-file.js';
import type { DataLayout } from './data-layout.js';

/** A generated server certificate is reissued this long before it lapses (at a start or the daily check). */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** What the TLS set-up did to the data dir, recorded in the audit trail once the store is open. */
export type TlsFact =
  | { type: 'tls.ca_created'; fingerprint: string; subject: string; validTo: string }
  | { type: 'tls.certificate_issued'; fingerprint: string; names: string[]; validTo: string; caFingerprint: string; reason: string };

export interface ServerTls {
  material: TlsMaterial;
  minVersion: TlsMinVersion;
  mode: 'facility' | 'appliance-ca';
  /** The appliance CA's certificate fingerprint (appliance-ca mode), what operators check before they trust it. */
  caFingerprint: string | null;
  facts: TlsFact[];
}

/** The appliance-local CA: created once (first init or start), then kept. */
export async function ensureApplianceCa(layout: DataLayout, commonName: string): Promise<{ cert: string; key: string; facts: TlsFact[] }> {
  mkdirSync(layout.tls, { recursive: true, mode: 0o755 });
  mkdirSync(layout.secrets, { recursive: true, mode: 0o700 });
  const facts: TlsFact[] = [];
  if (!existsSync(layout.tlsCaCert) || !existsSync(layout.tlsCaKey)) {
    const ca = await generateApplianceCa({ commonName });
    // The key first: a certificate without its key would be a CA that can never issue.
    writeFileAtomic(layout.tlsCaKey, ca.key, 0o600);
    writeFileAtomic(layout.tlsCaCert, ca.cert, 0o644);
    const cert = new X509Certificate(ca.cert);
    facts.push({ type: 'tls.ca_created', fingerprint: cert.fingerprint256, subject: cert.subject, validTo: new Date(cert.validTo).toISOString() });
  }
  return { cert: readFileSync(layout.tlsCaCert, 'utf8'), key: readFileSync(layout.tlsCaKey, 'utf8'), facts };
}

/** Why the generated server certificate must be (re)issued, or null when it is good. */
function reissueReason(layout: DataLayout, caPem: string, names: readonly string[], now: Date): string | null {
  if (!existsSync(layout.tlsServerCert) || !existsSync(layout.tlsServerKey)) return 'none yet';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(layout.tlsServerCert));
  } catch {
    return 'unreadable';
  }
  if (!cert.checkIssued(new X509Certificate(caPem))) return 'issued by another CA';
  const missing = names.filter((n) => !certificateCovers(cert, n));
  if (missing.length) return `new names: ${missing.join(', ')}`;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return 'expires within 30 days';
  return null;
}

/**
 * The operator port's certificate, checked: the facility's files as they are, or the
 * appliance CA's server certificate, (re)issued when missing, for other names, from another
 * CA or near its end. Called before the port is bound, at a reload (SIGHUP) and daily.
 */
export async function prepareServerTls(tls: Exclude<TlsConfig, { mode: 'plain' }>, layout: DataLayout, now: Date = new Date()): Promise<ServerTls> {
  if (tls.mode === 'facility') {
    const material = readTlsMaterial({ certFile: tls.certFile, keyFile: tls.keyFile, chainFile: tls.chainFile }, now);
    return { material, minVersion: tls.minVersion, mode: 'facility', caFingerprint: null, facts: [] };
  }
  const ca = await ensureApplianceCa(layout, `MpegFlow appliance CA ${tls.hostnames.find((n) => n !== 'localhost') ?? 'localhost'}`);
  const facts = [...ca.facts];
  const caFingerprint = new X509Certificate(ca.cert).fingerprint256;
  const reason = reissueReason(layout, ca.cert, tls.hostnames, now);
  if (reason) {
    const issued = await issueServerCertificate(ca, tls.hostnames, now);
    writeFileAtomic(layout.tlsServerKey, issued.key, 0o600);
    writeFileAtomic(layout.tlsServerCert, issued.cert, 0o644);
    const cert = new X509Certificate(issued.cert);
    facts.push({
      type: 'tls.certificate_issued',
      fingerprint: cert.fingerprint256,
      names: [...tls.hostnames],
      validTo: new Date(cert.validTo).toISOString(),
      caFingerprint,
      reason,
    });
  }
  // The CA goes with the leaf, so a client that was given only the CA's fingerprint can build the chain.
  const material = readTlsMaterial({ certFile: layout.tlsServerCert, keyFile: layout.tlsServerKey, chainFile: layout.tlsCaCert }, now);
  return { material, minVersion: tls.minVersion, mode: 'appliance-ca', caFingerprint, facts };
}

/** Records each fact not yet in the audit trail (idempotent: a crash between the file and its event is caught up at the next start). */
export async function recordTlsFacts(store: Store, facts: readonly TlsFact[], actor: string): Promise<void> {
  for (const fact of facts) {
    const { type, ...payload } = fact;
    const recorded = (await store.audit.list({ type, limit: 10000 })).some((e) => (e.payload as { fingerprint?: string }).fingerprint === fact.fingerprint);
    if (recorded) continue;
    await store.change(async (tx) => {
      await tx.audit({ type, actor, payload });
    });
  }
}

/** What a reload did: the certificate served from now on, or why the old one stays. */
export type TlsReload = { ok: true; fingerprint: string; changed: boolean } | { ok: false; code: string; message: string };

/**
 * The live certificate of the operator port: reloaded without a restart (SIGHUP, and a daily
 * check that reissues a generated certificate 30 days before it lapses). A reload that fails
 * its checks keeps the certificate being served and says why; every change is audited.
 */
export class OperatorTls {
  #current: ServerTls;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    initial: ServerTls,
    private readonly o: {
      tls: Exclude<TlsConfig, { mode: 'plain' }>;
      layout: DataLayout;
      /** Installs a new certificate on the listening server (https.Server#setSecureContext). */
      install: (material: TlsMaterial, minVersion: TlsMinVersion) => void;
      store: () => Store | undefined;
      actor: string;
      onResult: (result: TlsReload, reason: string) => void;
    },
  ) {
    this.#current = initial;
  }

  get current(): ServerTls {
    return this.#current;
  }

  async reload(reason: string): Promise<TlsReload> {
    let result: TlsReload;
    try {
      const next = await prepareServerTls(this.o.tls, this.o.layout);
      const previous = this.#current.material.fingerprint256;
      const changed = next.material.fingerprint256 !== previous;
      if (changed) this.o.install(next.material, next.minVersion);
      this.#current = next;
      const store = this.o.store();
      if (store) {
        await recordTlsFacts(store, next.facts, this.o.actor);
        if (changed) {
          await store.change(async (tx) => {
            await tx.audit({
              type: 'tls.certificate_reloaded',
              actor: this.o.actor,
              payload: { fingerprint: next.material.fingerprint256, previous, validTo: next.material.validTo.toISOString(), reason },
            });
          });
        }
      }
      result = { ok: true, fingerprint: next.material.fingerprint256, changed };
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'INTERNAL';
      result = { ok: false, code, message: (err as Error).message };
      await this.o
        .store()
        ?.change(async (tx) => {
          await tx.audit({ type: 'tls.reload_failed', actor: this.o.actor, payload: { code, message: result.ok ? '' : result.message, reason } });
        })
        .catch(() => undefined);
    }
    this.o.onResult(result, reason);
    return result;
  }

  /** The daily check (a generated certificate is reissued 30 days before it lapses; a facility's is re-read). */
  startRenewal(everyMs = 24 * 3600 * 1000): void {
    this.#timer = setInterval(() => void this.reload('daily check'), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The certificate the running server serves, reloadable; its results logged (a refused reload also said on stdout). */
export function liveOperatorTls(
  initial: ServerTls,
  o: { config: Config; layout: DataLayout; server: HttpsServer; store: Store; logger: Logger; out: (line: string) => void; actor: string },
): OperatorTls | null {
  const tls = o.config.tls;
  if (tls.mode === 'plain') return null;
  return new OperatorTls(initial, {
    tls,
    layout: o.layout,
    install: (material, minVersion) => o.server.setSecureContext(httpsServerOptions({ cert: material.cert, key: material.key, minVersion })),
    store: () => o.store,
    actor: o.actor,
    onResult: (result, reason) => {
      if (result.ok) o.logger.info({ fingerprint: result.fingerprint, changed: result.changed, reason }, 'TLS certificate checked');
      else {
        o.logger.error({ code: result.code, reason }, `TLS certificate not reloaded; the old one is served: ${result.message}`);
        o.out(`WARNING: TLS certificate not reloaded (${reason}): ${result.code}: ${result.message}; the old certificate is still served`);
      }
    },
  });
}

/** What start-up says about the operator port's TLS (or that it is plain HTTP). */
export function tlsBanner(serverTls: ServerTls | null, config: Config, layout: DataLayout): string[] {
  if (!serverTls) return [`WARNING: plain HTTP on ${config.http.host} (loopback only; tls.plainHttp / MPEGFLOW_PLAIN_HTTP): nothing is encrypted on this hop`];
  const m = serverTls.material;
  return [
    `TLS: ${serverTls.minVersion} and up; certificate sha256 ${m.fingerprint256}, for ${m.names.join(', ')}, valid to ${m.validTo.toISOString()}`,
    ...(serverTls.caFingerprint
      ? [`TLS CA fingerprint (sha256): ${serverTls.caFingerprint}; trust ${layout.tlsCaCert} (\`mpegflow tls ca-cert\` prints it)`]
      : []),
  ];
}
