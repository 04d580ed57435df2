import { createHash } from 'node:crypto';
import type { ServerType } from '@hono/node-server';
import { packageVersion } from '../src/config/package-root.js';
import { redactedConfig } from '../src/config/redacted.js';
import type { Config } from '../src/config/schema.js';
import { createApp } from '../src/http/app.js';
import { Health } from '../src/http/health.js';
import type { TrustedKeys } from '../src/signing/trusted-keys.js';
import { createLogger, type Logger } from '../src/log/logger.js';
import { canonicalJson } from '../src/store/audit-chain.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { dataLayout } from './data-layout.js';
import { bootEncoderImages } from './boot-images.js';
import { stopAppliance } from './stop.js';
import { initAppliance } from './init.js';
import { bindPort } from '../src/http/bind-port.js';
import { describeHolders } from '../src/http/port-holder.js';
import { startupGate } from '../src/http/startup-gate.js';
import { startupCleanup } from '../src/runtime/startup-cleanup.js';
import { backupSealer, bootAtRest } from './boot-at-rest.js';
import { checkStoreAtStart, monitorStore } from './boot-store.js';
import { bootNode, type BootedNode } from './boot-node.js';
import { relayEvents } from '../src/events/cluster-relay.js';
import { bootStorage, type BootedStorage } from './boot-storage.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { EventBus } from '../src/events/event-bus.js';
import { WebhookAllowList } from '../src/events/webhooks/allow-list.js';
import { WebhookDispatcher } from '../src/events/webhooks/dispatcher.js';
import { syncConfigWebhooks } from '../src/events/webhooks/registry.js';
import { closeWebSocketClients, createWebSocketServer } from '../src/http/routes/ws.js';
import { createJobRuntime, type Runtime } from '../src/runtime/runtime.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { AuditExporter, sweepExportScratch } from '../src/audit/audit-exporter.js';
import { scheduleBackups, type BackupSchedule } from '../src/audit/backup-schedule.js';
import { IngestService, procOpenWriters } from '../src/ingest/index.js';
import { watchFolderHealth } from './watch-folder-health.js';
import { bootAuditHeads } from './boot-audit-heads.js';
import type { HeadSigner } from '../src/audit/head-signer.js';
import type { Server as HttpsServer } from 'node:https';
import { liveOperatorTls, prepareServerTls, recordTlsFacts, tlsBanner, type OperatorTls, type ServerTls } from './boot-tls.js';
import { ensureDataDir } from './data-dir.js';
import { readCaFile } from '../src/tls/ca-file.js';
import { transportHops } from '../src/tls/transport-hops.js';

export interface RunningAppliance {
  url: string;
  /** The trusted keys encoder images are verified against. */
  trust: TrustedKeys;
  port: number;
  store: Store;
  logger: Logger;
  health: Health;
  objects: ObjectStore;
  supervisor: Supervisor;
  runtime: Runtime;
  bus: EventBus;
  webhooks: WebhookDispatcher;
  /** Nightly store backups (config `backups`). */
  backups: BackupSchedule | null;
  ingest: IngestService;
  /** The operator port's certificate (null: plain HTTP on loopback); `reload` is what SIGHUP does. */
  tls: OperatorTls | null;
  stop(reason: string): Promise<void>;
}

const ACTOR = 'system';

function closeServer(server: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

/**
 * The boot sequence, crash-only: the HTTP port is bound first (a port still held, e.g. by a
 * killed appliance the kernel is tearing down, is waited for `http.bindWaitSeconds`, then the
 * start fails naming the holder) and answers 503 `starting` until the appliance is ready; then
 * init (idempotent) → store → verify the audit chain → images → object store → pools → audit
 * the start → recovery (orphans, lapsed leases as interruptions, unpublished outputs) →
 * start-up cleanup (open uploads, intermediates, staging, scratch) → serve → watch folders →
 * lease. A start that fails before the last step leases nothing. A broken chain is reported
 * loudly and makes /healthz degraded; nothing is destroyed.
 */
export async function startAppliance(config: Config, out: (line: string) => void = console.log): Promise<RunningAppliance> {
  const startedAt = Date.now();
  const logger = createLogger(config.log.level);
  const layout = dataLayout(config.dataDir);
  const gate = startupGate();
  const wss = createWebSocketServer();
  // The certificate before the port: a start with a bad certificate binds nothing.
  let serverTls: ServerTls | null = null;
  if (config.tls.mode !== 'plain') {
    ensureDataDir(layout);
    serverTls = await prepareServerTls(config.tls, layout);
  }
  const { server, port } = await bindPort(gate.fetch, config.http.host, config.http.port, {
    websocket: wss,
    ...(serverTls ? { tls: { cert: serverTls.material.cert, key: serverTls.material.key, minVersion: serverTls.minVersion } } : {}),
    waitMs: config.http.bindWaitSeconds * 1000,
    onWait: (holders) => {
      const held = describeHolders(holders);
      logger.warn({ host: config.http.host, port: config.http.port, holders }, 'port in use; waiting for it');
      out(`Port ${config.http.host}:${config.http.port} is in use, held by ${held}; waiting up to ${config.http.bindWaitSeconds} s for it`);
    },
  });
  let initialised: Awaited<ReturnType<typeof initAppliance>>;
  try {
    gate.phase('opening the store');
    initialised = await initAppliance(config, layout, () => openStore(config));
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const { report, store } = initialised;
  const operatorTls = serverTls ? liveOperatorTls(serverTls, { config, layout, server: server as HttpsServer, store, logger, out, actor: ACTOR }) : null;
  const health = new Health();
  health.set('store', { ok: true, detail: store.dialect });
  let storeMonitor: { stop(): void } | undefined;
  let relay: { stop(): Promise<void> } | null = null;
  let node: BootedNode | undefined;
  let storage: BootedStorage | undefined;
  let supervisor: Supervisor | undefined;
  let runtime: Runtime | undefined;
  let webhooks: WebhookDispatcher | undefined;
  let backups: BackupSchedule | null = null;
  let ingest: IngestService | undefined;
  let heads: HeadSigner | undefined;
  try {
    const storeFacts = checkStoreAtStart(config, store, logger, out);
    storeMonitor = monitorStore(store, health, logger);
    const verdict = await store.audit.verify();
    if (verdict.ok) {
      health.set('auditChain', { ok: true, detail: `${verdict.events} events` });
    } else {
      const detail = `audit chain broken at seq ${verdict.badSeq}: ${verdict.reason}`;
      health.set('auditChain', { ok: false, detail });
      logger.fatal(
        { badSeq: verdict.badSeq, reason: verdict.reason },
        `AUDIT CHAIN DOES NOT VERIFY: ${detail}; run mpegflow audit verify and restore from backup`,
      );
      out(`WARNING: ${detail}. The appliance runs degraded; nothing was changed.`);
    }
    if (serverTls) await recordTlsFacts(store, serverTls.facts, ACTOR);
    gate.phase('checking the audit chain against its signed heads');
    heads = await bootAuditHeads({ config, layout, store, health, logger, out, actor: ACTOR });
    gate.phase('verifying encoder images');
    const images = await bootEncoderImages(store, layout, health, config.buildHost, out, logger, ACTOR);
    gate.phase('opening the object store');
    const atRest = await bootAtRest(config, store, logger, ACTOR);
    const objects = await bootStorage(config, store, images.trust, health, logger, atRest, () => node?.duties.lifecycle.held() ?? false);
    // With encryption at rest, encoders write plaintext only to the memory-backed scratch.
    const encoderScratch = atRest?.scratchDir ?? layout.scratch;
    storage = objects;
    out(`Object store: ${objects.describe}`);
    const pools = new Supervisor(config);
    supervisor = pools;
    health.set('pools', {
      ok: true,
      // Only the pools this node leases for (none on an api-only node of a cluster).
      detail:
        pools
          .status()
          .filter((p) => (config.node.pools as string[]).includes(p.name))
          .map((p) => `${p.name} cores ${p.cores.join(',')} × ${p.slots}`)
          .join('; ') || 'none (this node has no worker role)',
    });
    const configSha256 = createHash('sha256')
      .update(canonicalJson(redactedConfig(config)))
      .digest('hex');
    await store.change(async (tx) => {
      await tx.audit({
        type: 'appliance.started',
        actor: ACTOR,
        payload: {
          version: packageVersion,
          node: process.version,
          pid: process.pid,
          configSha256,
          store: storeFacts,
          auditChainOk: verdict.ok,
          encoderImages: images.loaded,
          objectStore: objects.describe,
          tls: serverTls
            ? { mode: serverTls.mode, minVersion: serverTls.minVersion, fingerprint: serverTls.material.fingerprint256, caFingerprint: serverTls.caFingerprint }
            : { mode: 'plain' },
          pools: pools.status().map((p) => ({ name: p.name, cores: p.cores, slots: p.slots, memoryLimitBytes: p.memoryLimitBytes })),
        },
      });
    });
    await heads.sign('start');
    heads.start();
    const signer = heads;
    // Joins the cluster (a cluster of one on SQLite) before recovery: recovery re-queues this node's leases.
    gate.phase('joining the cluster');
    const joined = await bootNode({ config, store, imagesDir: layout.images, version: packageVersion, logger, out, actor: ACTOR });
    node = joined;
    let runtimeRunning: () => Array<{ taskId: string; jobId: string; kind: string }> = () => [];
    await joined.start(() => runtimeRunning());
    const bus = new EventBus((err) => logger.error({ err }, 'event listener failed'));
    relay = store.notifications
      ? await relayEvents({ bus, notifications: store.notifications, nodeId: config.node.id, listen: config.node.roles.includes('api'), logger })
      : null;
    // Webhooks listen before the runtime starts, so recovery's state changes are delivered too.
    await syncConfigWebhooks(store, config.webhooks);
    const dispatcher = new WebhookDispatcher({
      store,
      bus,
      logger,
      allowList: new WebhookAllowList(config.webhookAllowedHosts),
      caPem: config.webhookCaFile !== null ? readCaFile(config.webhookCaFile, 'webhookCaFile') : undefined,
      sends: () => joined.duties.webhooks.held(),
      ...(store.notifications ? { pollMs: 1000 } : {}),
    });
    webhooks = dispatcher;
    dispatcher.start();
    const jobs = createJobRuntime({
      store,
      objects: objects.objects,
      supervisor: pools,
      bus,
      config,
      trust: images.trust,
      logger,
      scratchDir: encoderScratch,
      imagesDir: layout.images,
      node: joined.runtime,
    });
    runtime = jobs;
    runtimeRunning = () => jobs.running();
    // Watch folders submit through the runtime: started after its recovery, stopped before it.
    const watchFolders = new IngestService(
      {
        store,
        objects: objects.objects,
        runtime: jobs,
        logger,
        openWriters: procOpenWriters(),
        onFolderStatus: watchFolderHealth(health, config.watchFolders.length),
      },
      // Watch folders are the api role's: a worker-only node ingests nothing.
      config.node.roles.includes('api') ? config.watchFolders : [],
    );
    if (config.database.kind === 'sqlite') {
      backups = scheduleBackups({
        store,
        dbPath: config.database.path,
        backupsDir: layout.backups,
        retention: config.backups.retention,
        cron: config.backups.cron,
        actor: ACTOR,
        headLogPath: layout.auditHeads,
        ...(atRest ? { seal: backupSealer(atRest.keys.current) } : {}),
        onResult: (r) => logger.info({ backup: r.path, sha256: r.sha256, chainOk: r.chainOk, pruned: r.pruned }, 'store backed up'),
        onError: (err) => logger.error({ err }, 'store backup failed'),
      });
    } else {
      out('Store backups: PostgreSQL is backed up by the facility (continuous archiving or pg_dump; docs/cluster.md), not by the appliance');
    }
    const swept = await sweepExportScratch(layout.scratch);
    if (swept.length) logger.warn({ removed: swept }, 'removed leftovers of interrupted audit exports');
    const auditExports = {
      exporter: new AuditExporter({ store, keyPath: layout.auditKey, scratchDir: layout.scratch, headLogPath: layout.auditHeads }),
      scratchDir: layout.scratch,
    };
    const app = createApp({
      node: { id: config.node.id, api: config.node.roles.includes('api') },
      store,
      logger,
      health,
      pools: () => pools.status(),
      runtime: jobs,
      objects: objects.objects,
      bus,
      webhookAllowedHosts: config.webhookAllowedHosts,
      auditExports,
      dataDir: layout.root,
      watchFolders: config.watchFolders,
      sessionPolicy: {
        idleMs: config.sessions.idleMinutes * 60_000,
        lifetimeMs: config.sessions.lifetimeHours * 3_600_000,
        secondFactorRoles: config.sessions.secondFactorRoles,
      },
      hsts: serverTls !== null,
      transport: async () =>
        transportHops(
          config,
          (await store.webhooks.list()).map((w) => w.url),
        ),
    });
    // Recovery and cleanup before anything is served or leased: nothing of this process is in flight.
    gate.phase('recovering');
    const recovery = await jobs.recover();
    const cleaned = await startupCleanup({
      store,
      objects: objects.objects,
      logger,
      scratchDir: encoderScratch,
      sweepStaging: objects.sweepStaging,
      startedAt,
      nodeId: config.node.id,
    });
    out(
      `Recovery: ${recovery.orphanEncodersKilled} orphan encoder(s) killed, ${recovery.interrupted} interrupted attempt(s) re-queued, ` +
        `${recovery.requeued} lapsed lease(s) re-queued, ${recovery.published} job(s) published; cleanup: ${cleaned.uploadsClosed} open upload(s) closed, ` +
        `${cleaned.intermediateObjects} intermediate object(s) of ${cleaned.intermediateJobs} finished job(s) deleted, ` +
        `${cleaned.stagingRemoved} staging file(s) and ${cleaned.scratchFolders} scratch folder(s) removed`,
    );
    gate.ready(app.fetch);
    await watchFolders.start();
    ingest = watchFolders;
    await jobs.start(); // from here on tasks are leased
    const hostForUrl = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `${serverTls ? 'https' : 'http'}://${hostForUrl}:${port}`;
    logger.info({ url, version: packageVersion }, 'listening');
    out(
      config.node.roles.includes('api')
        ? `MpegFlow Appliance ${packageVersion} listening on ${url} (UI and API; health at ${url}/healthz)`
        : `MpegFlow Appliance ${packageVersion} listening on ${url} (worker node ${config.node.id}: /healthz and /metrics only)`,
    );
    out(
      report.adminToken.source === 'MPEGFLOW_ADMIN_TOKEN'
        ? 'Admin token: the value of MPEGFLOW_ADMIN_TOKEN given at first init'
        : `Admin token: ${layout.adminToken}${report.adminToken.path ? '' : ' (not present: it was given through MPEGFLOW_ADMIN_TOKEN, or removed)'}`,
    );
    if (report.adminAccount?.passwordPath) out(`UI login: ${url}/ as ${report.adminAccount.username}, password in ${report.adminAccount.passwordPath}`);
    for (const line of tlsBanner(serverTls, config, layout)) out(line);
    operatorTls?.startRenewal();
    out(`Audit key fingerprint: ${report.keyFingerprint}`);
    const schedule = backups;
    return {
      url,
      port,
      store,
      logger,
      health,
      trust: images.trust,
      objects: objects.objects,
      supervisor: pools,
      runtime: jobs,
      bus,
      webhooks: dispatcher,
      backups: schedule,
      ingest: watchFolders,
      tls: operatorTls,
      stop: (reason) => {
        operatorTls?.stop();
        storeMonitor?.stop();
        return stopAppliance(
          server,
          store,
          {
            storage: objects,
            supervisor: pools,
            runtime: jobs,
            webhooks: dispatcher,
            ingest: watchFolders,
            closeWebSockets: () => closeWebSocketClients(wss),
            backups: schedule,
            heads: signer,
            node: joined,
            relay,
          },
          reason,
          ACTOR,
        );
      },
    };
  } catch (err) {
    operatorTls?.stop();
    storeMonitor?.stop();
    await heads?.stop().catch(() => undefined);
    await closeServer(server);
    await ingest?.stop();
    await backups?.stop();
    await runtime?.stop(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await webhooks?.stop();
    await relay?.stop();
    await node?.stop(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await supervisor?.close();
    await storage?.stop();
    await store.close();
    throw err;
  }
}
