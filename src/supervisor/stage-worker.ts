// A pool's worker thread: runs one verified encoder process per task, watches its memory
// and time, streams its progress, and returns how it ended. The main thread owns cancel
// (it kills the process group by the pid posted here), so a cancelled or crashed worker
// never leaves an encoder behind.
import type { EncoderProcess } from '../images/encoder-process.js';
import { failureOf } from '../images/image-errors.js';
import { spawnVerified } from '../images/verified-spawn.js';
import { isApplianceError } from '../errors/appliance-error.js';
import { lineSplitter } from './line-splitter.js';
import { residentBytes } from './process-memory.js';
import type { StageMessage, StageTaskInput, StageTaskResult } from './stage-task.js';

const STDERR_TAIL_BYTES = 8 * 1024;
const STDOUT_COLLECT_LIMIT = 32 * 1024 * 1024;
const MEMORY_POLL_MS = 100;

export default async function runStageTask(task: StageTaskInput): Promise<StageTaskResult> {
  const post = (m: StageMessage) => task.port.postMessage(m);
  const startedAt = new Date().toISOString();
  const base = { taskId: task.taskId, startedAt, peakRssBytes: 0, stdout: '', stderrTail: '', pid: null, exitCode: null, signal: null };
  let proc: EncoderProcess;
  try {
    proc = await spawnVerified(task.image, task.trust, task.command);
  } catch (err) {
    task.port.close();
    const failure = failureOf(err);
    return {
      ...base,
      outcome: 'unverified',
      errorCode: isApplianceError(err) ? err.code : 'SPAWN_FAILED',
      argv: [],
      imageId: task.image.id,
      endedAt: new Date().toISOString(),
      message: err instanceof Error ? err.message : String(err),
      ...(failure ? { verificationFailure: { ...failure } } : {}),
    };
  }
  post({ type: 'spawned', pid: proc.pid, argv: proc.argv, imageId: proc.imageId });
  if (task.crashWorkerAfterSpawn) setImmediate(() => process.exit(3));

  let stdout = '';
  let stderr = '';
  let block = '';
  const progress = lineSplitter((line) => {
    block += `${line}\n`;
    if (line.startsWith('progress=')) {
      post({ type: 'progress', block });
      block = '';
    }
  });
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    if (task.stdout === 'progress') progress.push(d);
    else if (task.stdout === 'collect' && stdout.length < STDOUT_COLLECT_LIMIT) stdout += d;
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_TAIL_BYTES);
  });

  let peak = 0;
  let killedFor: 'oom_killed' | 'timed_out' | null = null;
  const guard = setInterval(() => {
    const rss = residentBytes(proc.pid);
    if (rss === null) return;
    peak = Math.max(peak, rss);
    if (rss > task.memoryLimitBytes && !killedFor) {
      killedFor = 'oom_killed';
      proc.kill('SIGKILL');
    }
  }, MEMORY_POLL_MS);
  const timer = setTimeout(() => {
    if (killedFor) return;
    killedFor = 'timed_out';
    proc.kill('SIGKILL');
  }, task.timeoutMs);

  const exit = await proc.exited;
  clearInterval(guard);
  clearTimeout(timer);
  await new Promise((r) => setImmediate(r)); // let the last stdio chunks land
  progress.end();
  task.port.close();
  const common = {
    ...base,
    pid: proc.pid,
    argv: proc.argv,
    imageId: proc.imageId,
    exitCode: exit.code,
    signal: exit.signal,
    endedAt: new Date().toISOString(),
    peakRssBytes: peak,
    stdout,
    stderrTail: stderr,
  };
  if (killedFor === 'oom_killed') {
    return {
      ...common,
      outcome: 'oom_killed',
      errorCode: 'OOM_KILLED',
      message: `killed: resident memory over the pool limit of ${task.memoryLimitBytes} bytes`,
    };
  }
  if (killedFor === 'timed_out') {
    return { ...common, outcome: 'timed_out', errorCode: 'TIMED_OUT', message: `killed: ran longer than ${task.timeoutMs} ms` };
  }
  if (exit.code === 0) return { ...common, outcome: 'succeeded', errorCode: null, message: null };
  return {
    ...common,
    outcome: 'failed',
    errorCode: 'EXIT_NONZERO',
    message: exit.signal ? `ended by signal ${exit.signal}` : `exited with status ${exit.code}`,
  };
}
