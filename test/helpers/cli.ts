import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/config/package-root.js';

export const bin = join(packageRoot, 'bin', 'mpegflow.js');

/**
 * The parent's environment without any MPEGFLOW_ variable, plus `env`. Plain HTTP on loopback
 * (`MPEGFLOW_PLAIN_HTTP=true`, the documented opt-in for tests) unless `env` says otherwise:
 * `MPEGFLOW_PLAIN_HTTP: ''` (unset) gives the appliance's default, HTTPS (test/tls/).
 */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MPEGFLOW_')));
  return { ...base, MPEGFLOW_LOG_LEVEL: 'warn', MPEGFLOW_PLAIN_HTTP: 'true', ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; prefix?: string[] }): CliResult {
  const argv = [...(opts.prefix ?? []), process.execPath, bin, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: cleanEnv(opts.env), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test started and left running (call from `test.after`). */
export function killServers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** kill -9 of a detached server's whole process group; resolves once the server has exited. */
export async function killProcessGroup(child: ChildProcess): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}

/**
 * Runs `mpegflow start` and resolves once it has printed its start banner (or rejects with its
 * output and exit code). `detached`: in its own process group, so a test can kill the whole
 * appliance (`killAppliance`).
 */
export function startServer(opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number; detached?: boolean }): Promise<Started> {
  // A first start builds the FFmpeg image (~20 s idle, a minute on a loaded 2-core host).
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const child = spawn(process.execPath, [bin, 'start'], {
    cwd: opts.cwd,
    env: cleanEnv({ MPEGFLOW_PORT: '0', ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m?.[1] && /Audit key fingerprint: \w+/.test(out)) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1],
          output: () => out,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited with ${code}:\n${out}`), { code, output: out }));
    });
  });
}
