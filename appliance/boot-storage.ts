import { readCaFile } from '../src/tls/ca-file.js';
import { ApplianceError } from '../src/errors/appliance-error.js';
import type { Config } from '../src/config/schema.js';
import type { Health } from '../src/http/health.js';
import type { TrustedKeys } from '../src/signing/trusted-keys.js';
import type { Logger } from '../src/log/logger.js';
import { openStore as openObjectStore, type StoreConfig } from '../src/storage/create-store.js';
import { scheduleLifecycle, type LifecycleSchedule } from '../src/storage/lifecycle-schedule.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { EncryptedStore } from '../src/storage/encrypted-store.js';
import type { AtRest } from './boot-at-rest.js';
import { S3ServerSupervisor, s3StoreConfig, type S3ServerEvent } from '../src/components/s3-server/s3-server-supervisor.js';
import type { Store } from '../src/store/store.js';

export interface BootedStorage {
  objects: ObjectStore;
  describe: string;
  /** Runs one lifecycle sweep now (also what the cron schedule runs). */
  sweep: LifecycleSchedule['runNow'];
  /** Removes staging files written before `before` (embedded store `.tmp/`; none on S3). Returns their names. */
  sweepStaging(before: number): Promise<string[]>;
  stop(): Promise<void>;
}

function auditServerEvent(store: Store, logger: Logger, event: S3ServerEvent): Promise<void> {
  const payload = event.type === 'gave_up' ? { ...event, error: { code: event.error.code, message: event.error.message } } : { ...event };
  return store
    .change(async (tx) => void (await tx.audit({ type: `s3_server.${event.type}`, actor: 'system', payload })))
    .catch((err: unknown) => logger.error({ err, event: event.type }, 'could not audit an S3 server event'));
}

/**
 * The object store the config names, opened at start: the embedded store, an external S3
 * (a wrong secret stops start-up with STORAGE_AUTH), or the bundled S3 server component,
 * verified and supervised. Then the lifecycle sweep on its cron schedule; every deletion is
 * audited before it happens.
 */
export async function bootStorage(
  config: Config,
  store: Store,
  trust: TrustedKeys,
  health: Health,
  logger: Logger,
  atRest: AtRest | null,
  sweepsHere: () => boolean = () => true,
): Promise<BootedStorage> {
  if (config.storage.kind !== 'embedded' && atRest === null) {
    throw new ApplianceError('CONFIG_INVALID', 'S3 storage without encryption at rest: the appliance writes nothing in clear to S3 (set MPEGFLOW_KEK_FILE)');
  }
  let server: S3ServerSupervisor | null = null;
  let storeConfig: StoreConfig;
  let describe: string;
  const s = config.storage;
  if (s.kind === 'embedded') {
    storeConfig = { kind: 'embedded', root: s.root };
    describe = `embedded (${s.root})`;
  } else if (s.kind === 's3') {
    const caPem = s.caFile !== null ? readCaFile(s.caFile, 'MPEGFLOW_S3_CA_FILE') : undefined;
    storeConfig = { kind: 's3', endpoint: s.endpoint, accessKey: s.accessKey, secretKey: s.secretKey, ...(caPem !== undefined ? { caPem } : {}) };
    describe = `S3 at ${s.endpoint}${s.caFile !== null ? ` (certificate checked against ${s.caFile})` : ''}`;
  } else {
    server = new S3ServerSupervisor({
      componentDir: s.component,
      dataDir: config.dataDir,
      trust,
      host: s.host,
      port: s.port,
      onEvent: (e) => auditServerEvent(store, logger, e),
    });
    const endpoint = await server.start();
    storeConfig = s3StoreConfig(endpoint);
    describe = `bundled S3 server ${endpoint.name} ${endpoint.version} at ${endpoint.endpoint}`;
  }
  let inner: ObjectStore;
  try {
    inner = await openObjectStore(storeConfig);
  } catch (err) {
    await server?.stop();
    throw err;
  }
  const objects: ObjectStore =
    atRest === null
      ? inner
      : new EncryptedStore(inner, atRest.keys, store.dataKeys, {
          onRefused: (event) =>
            void store
              .change(async (tx) => void (await tx.audit({ type: 'storage.read_refused', actor: 'system', payload: { ...event } })))
              .catch((err: unknown) => logger.error({ err }, 'could not audit a refused read')),
        });
  describe = `${describe}, ${atRest === null ? 'objects in clear at rest' : atRest.describe}`;
  health.set('objectStore', { ok: true, detail: describe });
  const lifecycle: LifecycleSchedule = scheduleLifecycle(objects, {
    cron: config.lifecycle.cron,
    intermediateMaxAgeDays: config.lifecycle.intermediateMaxAgeDays,
    inputMaxAgeDays: config.lifecycle.inputMaxAgeDays,
    isInputProcessed: (key) => store.jobs.usesInput(key),
    onDelete: (event) =>
      store.change(async (tx) => void (await tx.audit({ type: 'storage.object_deleted', actor: 'system:lifecycle', payload: { ...event } }))),
    onReport: (report) => logger.info({ scanned: report.scanned, deleted: report.deleted.length, errors: report.errors.length }, 'lifecycle sweep'),
    onError: (err) => logger.error({ err }, 'lifecycle sweep failed'),
    runHere: sweepsHere,
  });
  return {
    objects,
    describe,
    sweep: () => lifecycle.runNow(),
    sweepStaging: async (before) => (inner instanceof EmbeddedStore ? inner.removeStagingFiles(before) : []),
    stop: async () => {
      await lifecycle.stop();
      await objects.close();
      await server?.stop();
    },
  };
}
