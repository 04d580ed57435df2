import { request } from 'node:http';
import { hostPort } from './loopback-host.js';

/** One HTTP GET of the health path (plain http, loopback, no proxy): the status, or why there was none. */
export function probeHealth(host: string, port: number, path: string, timeoutMs: number): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err) => resolve({ error: `${(err as NodeJS.ErrnoException).code ?? err.message}` }));
    req.end();
  });
}

export interface HealthWait {
  host: string;
  port: number;
  path: string;
  expect: readonly number[];
  /** Give up after this long (from the call). */
  timeoutMs: number;
  intervalMs: number;
  /** Checked before each probe: a reason stops the wait at once (e.g. the process exited). */
  abortReason: () => string | null;
}

/** Polls the health check until it answers an expected status: null on success, or the reason it never did. */
export async function waitHealthy(w: HealthWait): Promise<string | null> {
  const deadline = Date.now() + w.timeoutMs;
  let last = 'no probe yet';
  for (;;) {
    const abort = w.abortReason();
    if (abort) return abort;
    const left = deadline - Date.now();
    if (left <= 0) break;
    const result = await probeHealth(w.host, w.port, w.path, Math.max(100, Math.min(2000, left)));
    if ('status' in result && w.expect.includes(result.status)) return null;
    last = 'status' in result ? `answered ${result.status}` : result.error;
    const after = w.abortReason();
    if (after) return after;
    const wait = Math.min(w.intervalMs, deadline - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return `health check GET http://${hostPort(w.host, w.port)}${w.path} did not answer ${w.expect.join(' or ')} within ${w.timeoutMs} ms (last: ${last})`;
}
