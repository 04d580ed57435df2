import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplianceEvent } from '../../src/events/events.js';
import { ProgressThrottle } from '../../src/events/throttle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const at = new Date(0).toISOString();
const progress = (jobId: string, taskId: string, fraction: number): ApplianceEvent => ({
  type: 'task.progress',
  at,
  jobId,
  taskId,
  kind: 'encode',
  rendition: taskId,
  fraction,
  fps: 30,
  speed: 1,
});

/** Resolves once `check` holds (polled; the throttle's own timers decide when). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

test('100 progress events of one job over ~1 s: at most one per 250 ms goes out (4/s), the last one included', async () => {
  const sent: ApplianceEvent[] = [];
  const sentAt: number[] = [];
  const t = new ProgressThrottle((e) => {
    sent.push(e);
    sentAt.push(performance.now());
  });
  const began = performance.now();
  for (let i = 1; i <= 100; i++) {
    t.push(progress('j', 'a', i / 100));
    await sleep(10);
  }
  const pushedFor = performance.now() - began;
  await until(() => (sent.at(-1) as { fraction: number } | undefined)?.fraction === 1);
  // The rate, whatever the host's load stretched the pushes to: one at once, then one per interval.
  assert.ok(sent.length >= 2 && sent.length <= Math.ceil(pushedFor / 250) + 2, `${sent.length} sent over ${Math.round(pushedFor)} ms`);
  for (let i = 1; i < sentAt.length; i++) assert.ok(sentAt[i]! - sentAt[i - 1]! >= 249, `gap ${sentAt[i]! - sentAt[i - 1]!} ms`);
  assert.is((sent.at(-1) as { fraction: number }).fraction, 1);
  await until(() => t.size === 0); // an idle job is forgotten one interval after its last message
});

test('each job has its own budget; tasks of one job take turns and each one’s newest value goes out', async () => {
  const sent: ApplianceEvent[] = [];
  const t = new ProgressThrottle((e) => sent.push(e), { intervalMs: 50 });
  t.push(progress('j1', 'a', 0.1));
  t.push(progress('j2', 'x', 0.1));
  t.push(progress('j1', 'a', 0.2));
  t.push(progress('j1', 'b', 0.5));
  t.push(progress('j1', 'a', 0.3));
  assert.equal(
    sent.map((e) => [e.type === 'task.progress' && e.taskId, e.type === 'task.progress' && e.fraction]),
    [
      ['a', 0.1],
      ['x', 0.1],
    ],
  );
  await until(() => sent.length >= 4);
  assert.equal(
    sent.slice(2).map((e) => [e.type === 'task.progress' && e.taskId, e.type === 'task.progress' && e.fraction]),
    [
      ['a', 0.3],
      ['b', 0.5],
    ],
  );
  t.close();
});

test('state changes pass at once, after the pending progress they follow; a terminal job state ends its window', () => {
  const sent: ApplianceEvent[] = [];
  const t = new ProgressThrottle((e) => sent.push(e), { intervalMs: 10_000 });
  t.push(progress('j', 'a', 0.1));
  t.push(progress('j', 'a', 0.9));
  t.push(progress('j', 'b', 0.4));
  t.push({ type: 'task.state', at, jobId: 'j', taskId: 'a', kind: 'encode', rendition: 'a', state: 'succeeded', attempt: 1 });
  t.push({ type: 'job.state', at, jobId: 'j', state: 'failed', progress: 0.5 });
  assert.equal(
    sent.map((e) => (e.type === 'task.progress' ? `${e.taskId}:${e.fraction}` : e.type)),
    ['a:0.1', 'a:0.9', 'task.state', 'b:0.4', 'job.state'],
  );
  assert.is(t.size, 0);
  t.close();
  t.push({ type: 'job.state', at, jobId: 'j', state: 'queued', progress: 0 });
  assert.is(sent.length, 5, 'a closed throttle sends nothing');
});

test.run();
