import { MessageChannel, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PoolConfig, PoolName } from '../config/schema.js';
import type { EncoderCommand, ImageRef } from '../images/encoder-process.js';
import type { VerificationFailure } from '../images/image-errors.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import type { StageMessage, StageTaskInput, StageTaskResult } from './stage-task.js';

const workerFile = new URL('./stage-worker.js', import.meta.url).href;

/** A task's process as it starts: its pid, exact argv and image. */
export interface SpawnedProcess {
  pid: number;
  argv: readonly string[];
  imageId: string;
}

export interface RunOptions {
  /** Aborting kills the task's whole process group (SIGKILL) and resolves as `cancelled`. */
  signal?: AbortSignal;
  onSpawned?: (info: SpawnedProcess) => void;
  /** Each `-progress` block (key=value lines ending in `progress=…`), as ffmpeg wrote it. */
  onProgress?: (block: string) => void;
  onVerificationFailed?: (failure: VerificationFailure) => void;
  stdout?: StageTaskInput['stdout'];
  /** Test hook: crash the worker thread after it spawned the process. */
  crashWorkerAfterSpawn?: boolean;
}

export interface PoolStatus {
  name: PoolName;
  cores: number[];
  slots: number;
  running: number;
  queued: number;
  memoryLimitBytes: number;
  timeoutSeconds: number;
}

const WORKER_LOAD_WAIT_MS = 5000;
/** Piscina's worker posts this once its task module is imported (piscina/dist/common.js READY). */
const PISCINA_READY = '_WORKER_READY';

/** Resolves when the worker has imported its task module, or has exited. */
function moduleLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && PISCINA_READY in message) done();
    };
    const done = () => {
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('exit', done);
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * One stage's pool: a Piscina pool of `slots` worker threads; each task's encoder is pinned
 * to the pool's cores, watched against the pool's memory limit and timeout. A task is never
 * lost to a worker crash: the crash fails that task alone and its process group is killed.
 */
export class StagePool {
  readonly name: PoolName;
  readonly config: PoolConfig;
  readonly #piscina: Piscina<StageTaskInput, StageTaskResult>;
  readonly #running = new Map<string, number | null>();
  /** The first workers' module graphs, loading in the background from construction. */
  readonly #loading: Promise<void>[];

  constructor(name: PoolName, config: PoolConfig) {
    this.name = name;
    this.config = config;
    this.#piscina = new Piscina({
      filename: workerFile,
      name: 'default',
      minThreads: config.slots,
      maxThreads: config.slots,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
    this.#loading = this.#piscina.threads.map(moduleLoaded);
  }

  async run(taskId: string, image: ImageRef, trust: TrustedKeys, command: Omit<EncoderCommand, 'cpus'>, options: RunOptions = {}): Promise<StageTaskResult> {
    const { port1, port2 } = new MessageChannel();
    let pid: number | null = null;
    let cancelled = false;
    const startedAt = new Date().toISOString();
    this.#running.set(taskId, null);
    const onAbort = () => {
      cancelled = true;
      if (pid !== null) killGroup(pid);
    };
    port1.on('message', (m: StageMessage) => {
      if (m.type === 'spawned') {
        pid = m.pid;
        this.#running.set(taskId, pid);
        if (cancelled) killGroup(pid);
        options.onSpawned?.(m);
      } else if (m.type === 'progress') options.onProgress?.(m.block);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) cancelled = true;
    const input: StageTaskInput = {
      taskId,
      image,
      trust,
      command: { ...command, cpus: this.config.cores },
      memoryLimitBytes: this.config.memoryLimitBytes,
      timeoutMs: this.config.timeoutSeconds * 1000,
      stdout: options.stdout ?? 'ignore',
      ...(options.crashWorkerAfterSpawn ? { crashWorkerAfterSpawn: true } : {}),
      port: port2,
    };
    try {
      const result = await this.#piscina.run(input, { transferList: [port2] });
      if (result.verificationFailure) options.onVerificationFailed?.(result.verificationFailure);
      if (cancelled && result.outcome !== 'succeeded') {
        return { ...result, outcome: 'cancelled', errorCode: 'CANCELLED', message: 'cancelled' };
      }
      return result;
    } catch (err) {
      // The worker thread died: its encoder must not outlive it.
      if (pid !== null) killGroup(pid);
      return {
        taskId,
        outcome: cancelled ? 'cancelled' : 'failed',
        errorCode: cancelled ? 'CANCELLED' : 'WORKER_CRASHED',
        exitCode: null,
        signal: null,
        argv: [],
        imageId: image.id,
        pid,
        startedAt,
        endedAt: new Date().toISOString(),
        peakRssBytes: 0,
        stdout: '',
        stderrTail: '',
        message: `worker thread of pool ${this.name} crashed: ${err instanceof Error ? err.message : String(err)}`,
      };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      port1.close();
      this.#running.delete(taskId);
    }
  }

  /** Kills every running process of this pool (server shutdown). */
  killAll(): void {
    for (const pid of this.#running.values()) if (pid !== null) killGroup(pid);
  }

  status(): PoolStatus {
    return {
      name: this.name,
      cores: [...this.config.cores],
      slots: this.config.slots,
      running: this.#running.size,
      queued: this.#piscina.queueSize,
      memoryLimitBytes: this.config.memoryLimitBytes,
      timeoutSeconds: this.config.timeoutSeconds,
    };
  }

  async close(): Promise<void> {
    this.killAll();
    // Terminating a worker while V8 still evaluates its ES module graph can abort the whole
    // process (nodejs/node#43182 family: "IsGraphAsync" FATAL on a stop just after start);
    // let the first workers finish loading (bounded) before they are terminated.
    await Promise.race([Promise.all(this.#loading), new Promise((r) => setTimeout(r, WORKER_LOAD_WAIT_MS).unref())]);
    await this.#piscina.destroy();
  }
}
