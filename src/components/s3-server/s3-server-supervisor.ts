import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError, isApplianceError, messageOf } from '../../errors/appliance-error.js';
import type { TrustedKeys } from '../../signing/trusted-keys.js';
import type { StoreConfig } from '../../storage/create-store.js';
import { COMPONENT_CODES, componentConfigInvalid, componentFailed, componentStartFailed } from './component-errors.js';
import { expectedStatuses } from './component-manifest.js';
import { credentialsPath, loadOrCreateCredentials, type S3ServerCredentials } from './credentials.js';
import { waitHealthy } from './health-check.js';
import { endpointOf, launchArgv, launchEnv, type LaunchValues } from './launch-argv.js';
import { logTail, openLaunchLog } from './log-file.js';
import { loopbackHost, validPort } from './loopback-host.js';
import { portFree, processEnviron, signalGroup, terminateGroup } from './process-group.js';
import { verifyComponentDir, type VerifiedComponent } from './verify-component.js';

export interface RestartPolicy {
  /** Give up when this many restarts happened within `windowMs`. Default 5. */
  maxRestarts: number;
  /** Default 60 000. */
  windowMs: number;
  /** Delay before the first restart of a window; doubled for each further one. Default 1000. */
  initialDelayMs: number;
  /** Default 30 000. */
  maxDelayMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 1000, maxDelayMs: 30_000 };

/** What the supervisor reports, for the caller to audit. `at` is an ISO time. */
export type S3ServerEvent =
  | { type: 'started'; at: string; pid: number; launch: number; componentId: string; name: string; version: string; signedBy: string; endpoint: string }
  | { type: 'exited'; at: string; pid: number; code: number | null; signal: string | null; reason: 'crashed' | 'start_failed' | 'stopped'; detail?: string }
  | { type: 'restarting'; at: string; attempt: number; delayMs: number; restartsInWindow: number }
  | { type: 'gave_up'; at: string; restarts: number; error: ApplianceError };

export interface S3ServerOptions {
  /** The component folder (component.json + component.json.asc + the listed files). */
  componentDir: string;
  /** The appliance's data dir `<data>`: credentials go to `<data>/secrets/s3-server.json`, the server's state to `<data>/s3-server/`. */
  dataDir: string;
  /** Keys component.json may be signed by (e.g. `applianceTrust(<data>/trust)`: images/keys + <data>/trust). */
  trust: TrustedKeys;
  /** Loopback listen address: 127.0.0.0/8 or ::1 (anything else: COMPONENT_NOT_LOOPBACK). Default 127.0.0.1. */
  host?: string;
  port: number;
  /** Bound on waiting for the health check after each launch. Default 30 000. */
  startTimeoutMs?: number;
  /** Pause between health probes. Default 250. */
  healthIntervalMs?: number;
  /** stop(): SIGTERM to the process group, SIGKILL after this. Default 10 000. */
  stopGraceMs?: number;
  restart?: Partial<RestartPolicy>;
  /** Environment under the manifest's launch.env (nothing is inherited). Default PATH=/usr/sbin:/usr/bin:/sbin:/bin, LANG=C.UTF-8. */
  baseEnv?: Record<string, string>;
  /** Called for every event (errors it throws are ignored; a returned promise is not awaited). */
  onEvent?: (event: S3ServerEvent) => void | Promise<void>;
}

/** Where and how to reach the running server: enough to build an S3 ObjectStore. */
export interface S3ServerEndpoint extends S3ServerCredentials {
  endpoint: string;
  region: string;
  componentId: string;
  name: string;
  version: string;
  pid: number;
}

export type S3ServerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** The files and folders of the supervised server under `<data>`. */
export interface S3ServerPaths {
  /** `<data>/s3-server/` (0700). */
  root: string;
  /** `<data>/s3-server/data/`: `{dataDir}`. */
  data: string;
  /** `<data>/s3-server/home/`: `{homeDir}` and HOME. */
  home: string;
  /** `<data>/s3-server/server.log`: the server's stdout + stderr, a header line per launch. */
  log: string;
  /** `<data>/s3-server/supervisor.json`: the running process group, to end it after an appliance crash. */
  pidFile: string;
  /** `<data>/secrets/s3-server.json` (0600). */
  credentials: string;
}

export function s3ServerPaths(dataDir: string): S3ServerPaths {
  const root = join(dataDir, 's3-server');
  return {
    root,
    data: join(root, 'data'),
    home: join(root, 'home'),
    log: join(root, 'server.log'),
    pidFile: join(root, 'supervisor.json'),
    credentials: credentialsPath(dataDir),
  };
}

/** The `createStore`/`openStore` config for a started server. */
export function s3StoreConfig(endpoint: S3ServerEndpoint, extra: { bucketPrefix?: string } = {}): StoreConfig {
  return { kind: 's3', endpoint: endpoint.endpoint, accessKey: endpoint.accessKey, secretKey: endpoint.secretKey, region: endpoint.region, ...extra };
}

interface Run {
  child: ChildProcess;
  pid: number;
  program: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set when the program exited. */
  exit: { value: { code: number | null; signal: NodeJS.Signals | null } | null };
  logOffset: number;
}

const DEFAULT_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
const now = (): string => new Date().toISOString();

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw componentConfigInvalid(`S3 server option ${name} must be a non-negative number, got ${String(value)}`);
  return v;
}

/**
 * Runs the S3 server component: verifies it before every launch, launches it with an argv
 * array (never a shell) in its own process group on a loopback address, waits for its health
 * check, restarts it on a crash with exponential back-off (bounded), and stops the whole
 * process group. See docs/storage.md, "The bundled S3 server".
 */
export class S3ServerSupervisor {
  readonly paths: S3ServerPaths;
  readonly host: string;
  readonly port: number;
  private readonly options: S3ServerOptions;
  private readonly policy: RestartPolicy;
  private readonly startTimeoutMs: number;
  private readonly healthIntervalMs: number;
  private readonly stopGraceMs: number;
  private _state: S3ServerState = 'idle';
  private _failure: ApplianceError | undefined;
  private current: Run | null = null;
  private stopping = false;
  private launches = 0;
  private restartTimes: number[] = [];
  private wake: (() => void) | null = null;
  private busy: Promise<unknown> | null = null;
  private info: S3ServerEndpoint | null = null;

  /** Validates the options (COMPONENT_NOT_LOOPBACK, COMPONENT_CONFIG_INVALID); no I/O. */
  constructor(options: S3ServerOptions) {
    this.host = loopbackHost(options.host ?? '127.0.0.1');
    this.port = validPort(options.port);
    this.options = options;
    this.paths = s3ServerPaths(options.dataDir);
    const r = { ...DEFAULT_RESTART, ...options.restart };
    this.policy = {
      maxRestarts: Math.floor(positive('restart.maxRestarts', r.maxRestarts, 5)),
      windowMs: positive('restart.windowMs', r.windowMs, 60_000),
      initialDelayMs: positive('restart.initialDelayMs', r.initialDelayMs, 1000),
      maxDelayMs: positive('restart.maxDelayMs', r.maxDelayMs, 30_000),
    };
    this.startTimeoutMs = positive('startTimeoutMs', options.startTimeoutMs, 30_000);
    this.healthIntervalMs = positive('healthIntervalMs', options.healthIntervalMs, 250);
    this.stopGraceMs = positive('stopGraceMs', options.stopGraceMs, 10_000);
  }

  get state(): S3ServerState {
    return this._state;
  }

  /** Why the supervisor gave up (COMPONENT_FAILED, COMPONENT_UNVERIFIED…) or the initial start failed. */
  get failure(): ApplianceError | undefined {
    return this._failure;
  }

  /** The process group (= pid of the launched program) while one runs. */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** The endpoint of the running server (null unless running). */
  get endpoint(): S3ServerEndpoint | null {
    return this._state === 'running' ? this.info : null;
  }

  /**
   * Verifies and launches the server and waits until it is healthy. Throws COMPONENT_UNVERIFIED
   * (nothing launched), COMPONENT_START_FAILED (with the log tail), COMPONENT_CREDENTIALS_INVALID.
   */
  async start(): Promise<S3ServerEndpoint> {
    if (this._state !== 'idle' && this._state !== 'stopped' && this._state !== 'failed') {
      throw componentConfigInvalid(`S3 server supervisor is ${this._state}; start() needs it idle or stopped`);
    }
    this.stopping = false;
    this._failure = undefined;
    this.restartTimes = [];
    this._state = 'starting';
    const attempt = this.launch();
    this.busy = attempt;
    try {
      const info = await attempt;
      this._state = 'running';
      return info;
    } catch (err) {
      this._failure = isApplianceError(err) ? err : componentStartFailed(messageOf(err), {}, err);
      this._state = this.stopping ? 'stopped' : 'failed';
      throw this._failure;
    } finally {
      this.busy = null;
    }
  }

  /** Ends the server: SIGTERM to its whole process group, SIGKILL after the grace period. Idempotent. */
  async stop(): Promise<void> {
    if (this._state === 'idle' || this._state === 'stopped') {
      this._state = 'stopped';
      return;
    }
    this.stopping = true;
    if (this._state !== 'failed') this._state = 'stopping';
    this.wake?.();
    const run = this.current;
    if (run) await this.end(run, 'stopped');
    await this.busy?.catch(() => undefined);
    if (this.current) await this.end(this.current, 'stopped');
    await rm(this.paths.pidFile, { force: true });
    if (this._state !== 'failed') this._state = 'stopped';
  }

  private emit(event: S3ServerEvent): void {
    try {
      const r = this.options.onEvent?.(event);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => undefined);
    } catch {
      // an audit callback that throws must not break supervision
    }
  }

  /** Terminates a run's process group and reports its exit. */
  private async end(run: Run, reason: 'stopped' | 'start_failed', detail?: string): Promise<void> {
    await terminateGroup(run.pid, this.stopGraceMs, run.exited);
    const exit = await run.exited;
    if (this.current === run) {
      this.current = null;
      await rm(this.paths.pidFile, { force: true });
      this.emit({ type: 'exited', at: now(), pid: run.pid, code: exit.code, signal: exit.signal, reason, ...(detail ? { detail } : {}) });
    }
  }

  /** The environment entry that marks the server's processes as this data dir's (survives exec). */
  private get marker(): string {
    return `MPEGFLOW_S3_SERVER=${this.paths.root}`;
  }

  /**
   * Ends a process group left by an appliance that crashed: the group recorded in
   * supervisor.json, if its leader still runs with this data dir's marker in its environment
   * (so a recycled pid is never touched).
   */
  private async reapStale(): Promise<void> {
    let recorded: { pid?: unknown } | null;
    try {
      recorded = JSON.parse(await readFile(this.paths.pidFile, 'utf8')) as { pid?: unknown };
    } catch {
      recorded = null;
    }
    const pid = recorded?.pid;
    if (typeof pid === 'number' && Number.isInteger(pid) && pid > 1 && (await processEnviron(pid))?.includes(this.marker)) {
      await terminateGroup(pid, this.stopGraceMs);
    }
    await rm(this.paths.pidFile, { force: true });
  }

  /** One launch: verify, credentials, spawn, health. Resolves once healthy (and supervised). */
  private async launch(): Promise<S3ServerEndpoint> {
    const component: VerifiedComponent = await verifyComponentDir(this.options.componentDir, this.options.trust);
    const manifest = component.manifest;
    const credentials: S3ServerCredentials =
      manifest.credentials.source === 'fixed'
        ? { accessKey: manifest.credentials.accessKey, secretKey: manifest.credentials.secretKey }
        : await loadOrCreateCredentials(this.options.dataDir);
    const paths = this.paths;
    await mkdir(paths.root, { recursive: true, mode: 0o700 });
    await mkdir(paths.data, { recursive: true, mode: 0o700 });
    await mkdir(paths.home, { recursive: true, mode: 0o700 });
    const values: LaunchValues = { host: this.host, port: this.port, dataDir: paths.data, homeDir: paths.home, componentDir: component.dir, ...credentials };
    const argv = launchArgv(manifest.launch.argv, values);
    const env = { ...launchEnv(manifest.launch.env, values, this.options.baseEnv ?? DEFAULT_ENV), MPEGFLOW_S3_SERVER: paths.root };
    const program = argv[0] as string;
    await this.reapStale();
    if (this.stopping) throw componentStartFailed('stopped while starting');
    if (!(await portFree(this.host, this.port))) {
      throw componentStartFailed(`${this.host} port ${this.port} is already in use by another process; nothing was launched`, {
        host: this.host,
        port: this.port,
      });
    }

    this.launches += 1;
    const launchNo = this.launches;
    const { handle, offset } = await openLaunchLog(
      paths.log,
      `launch ${launchNo}: component ${manifest.name} ${manifest.version} (${component.id.slice(0, 16)}), argv ${JSON.stringify(argv)}`,
    );
    let child: ChildProcess;
    const exit: Run['exit'] = { value: null };
    let exited!: Run['exited'];
    try {
      child = spawn(program, argv.slice(1), {
        argv0: program,
        cwd: paths.home,
        env,
        detached: true, // setsid: its own session and process group
        stdio: ['ignore', handle.fd, handle.fd],
        shell: false,
        windowsHide: true,
      });
      // listen for the exit at once: a program that dies immediately must not be missed
      exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          exit.value = { code, signal };
          resolve({ code, signal });
        }),
      );
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      throw componentStartFailed(`cannot execute ${program}: ${messageOf(err)}`, { logFile: paths.log }, err);
    } finally {
      await handle.close();
    }
    const pid = child.pid as number;
    const run: Run = { child, pid, program, logOffset: offset, exit, exited };
    this.current = run;
    await writeFile(paths.pidFile, `${JSON.stringify({ pid, program, componentId: component.id, startedAt: now() })}\n`, { mode: 0o600 });

    const problem = await waitHealthy({
      host: this.host,
      port: this.port,
      path: manifest.health.path,
      expect: expectedStatuses(manifest),
      timeoutMs: this.startTimeoutMs,
      intervalMs: this.healthIntervalMs,
      abortReason: () => {
        if (this.stopping) return 'stopped while starting';
        const x = run.exit.value;
        if (x) return `the server exited during start-up (${x.signal ? `signal ${x.signal}` : `exit code ${x.code}`})`;
        return null;
      },
    });
    if (problem) {
      await this.end(run, 'start_failed', problem);
      const tail = await logTail(paths.log, run.logOffset);
      throw componentStartFailed(`${problem}; log ${paths.log}${tail ? `, last lines:\n${tail}` : ' is empty'}`, {
        logFile: paths.log,
        logTail: tail,
        componentId: component.id,
        exit: run.exit.value,
      });
    }
    const info: S3ServerEndpoint = {
      endpoint: endpointOf(values),
      region: manifest.s3.region,
      ...credentials,
      componentId: component.id,
      name: manifest.name,
      version: manifest.version,
      pid,
    };
    this.info = info;
    void run.exited.then(() => this.onExit(run)).catch((err: unknown) => this.giveUp(componentFailed(`supervision failed: ${messageOf(err)}`, {}, err)));
    this.emit({
      type: 'started',
      at: now(),
      pid,
      launch: launchNo,
      componentId: component.id,
      name: manifest.name,
      version: manifest.version,
      signedBy: component.signedBy,
      endpoint: info.endpoint,
    });
    return info;
  }

  /** The supervised server's program exited on its own: clean up its group, then restart with back-off. */
  private async onExit(run: Run): Promise<void> {
    if (this.current !== run || this.stopping) return;
    this.current = null;
    const exit = run.exit.value ?? { code: null, signal: null };
    this.emit({ type: 'exited', at: now(), pid: run.pid, code: exit.code, signal: exit.signal, reason: 'crashed' });
    signalGroup(run.pid, 'SIGKILL'); // whatever the crashed leader left in its group
    await rm(this.paths.pidFile, { force: true });
    const work = this.restartLoop();
    this.busy = work;
    await work.finally(() => {
      if (this.busy === work) this.busy = null;
    });
  }

  private async restartLoop(): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (this.stopping) return;
      const t = Date.now();
      this.restartTimes = this.restartTimes.filter((x) => t - x < this.policy.windowMs);
      if (this.restartTimes.length >= this.policy.maxRestarts) {
        return this.giveUp(
          componentFailed(
            `it crashed ${this.restartTimes.length + 1} times within ${Math.round(this.policy.windowMs / 1000)} s; not restarting (log ${this.paths.log})`,
            {
              restarts: this.restartTimes.length,
              logFile: this.paths.log,
            },
          ),
        );
      }
      attempt += 1;
      const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** this.restartTimes.length);
      this._state = 'restarting';
      this.emit({ type: 'restarting', at: now(), attempt, delayMs, restartsInWindow: this.restartTimes.length });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
      if (this.stopping) return;
      this.restartTimes.push(Date.now());
      try {
        await this.launch();
        if (this.stopping) return;
        this._state = 'running';
        return;
      } catch (err) {
        if (this.stopping) return;
        const code = isApplianceError(err) ? err.code : '';
        if (code !== COMPONENT_CODES.START_FAILED) {
          // unverified, credentials unusable, …: retrying cannot help, and nothing unverified runs
          return this.giveUp(isApplianceError(err) ? err : componentFailed(messageOf(err), {}, err));
        }
      }
    }
  }

  private giveUp(error: ApplianceError): void {
    this._failure = error;
    this._state = 'failed';
    this.emit({ type: 'gave_up', at: now(), restarts: this.restartTimes.length, error });
  }
}

/** Builds a supervisor and starts it: the running supervisor and its endpoint. */
export async function startS3Server(options: S3ServerOptions): Promise<{ supervisor: S3ServerSupervisor; endpoint: S3ServerEndpoint }> {
  const supervisor = new S3ServerSupervisor(options);
  const endpoint = await supervisor.start();
  return { supervisor, endpoint };
}
