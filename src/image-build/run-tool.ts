import { spawn } from 'node:child_process';
import { ApplianceError } from '../errors/appliance-error.js';

export interface ToolResult {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunToolOptions {
  /** The whole environment of the tool (nothing is inherited). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the process after this long (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Runs one program with an argv array (never a shell) and collects its output.
 * Resolves with the exit status whatever it is; rejects only when the program could
 * not be started at all.
 */
export function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (cause) => {
      reject(new ApplianceError('IMAGE_BUILD_TOOL_MISSING', `cannot run ${file}: ${cause.message}`, { details: { file }, cause }));
    });
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The last few lines of a tool's stderr, for one-line error messages. */
export function stderrTail(result: ToolResult, lines = 6): string {
  return result.stderr.trim().split('\n').slice(-lines).join(' | ');
}
