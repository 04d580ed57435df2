// ladderOutcome: when a job's encodes call for packaging, for failing the job, or for waiting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planLadder, renditionNames } from '../../src/media/ladder-plan.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { ladderOutcome } from '../../src/runtime/ladder-decision.js';
import type { StoredRendition } from '../../src/runtime/task-payloads.js';
import type { Task } from '../../src/store/jobs.js';
import { fakeInfo } from '../media/probe-doc.js';
import { taskRow } from './task-fixtures.js';

const plan = planLadder(fakeInfo({ width: 1280, height: 720, audioTracks: 1 }), professionalTemplate);
const names = renditionNames(plan); // …, 'audio-en'
const isAudio = (name: string) => name.startsWith('audio-');
const stored = (name: string): StoredRendition => ({
  name,
  kind: isAudio(name) ? 'audio' : 'video',
  rungIndex: isAudio(name) ? null : plan.rungs.findIndex((r) => r.name === name),
  key: `job_1/enc/${name}.mp4`,
  sha256: 'a'.repeat(64),
  size: 1,
});
const ladder = (fields: Partial<Task> & Pick<Task, 'state'>): Task => taskRow({ kind: 'encode', input: { plan }, ...fields });
const rendition = (name: string, state: Task['state']): Task =>
  taskRow({ kind: 'encode', rendition: name, state, input: { plan }, output: state === 'succeeded' ? { renditions: [stored(name)] } : null });

test('the whole ladder encoded in one task: package it all', () => {
  const out = ladderOutcome([ladder({ state: 'succeeded', output: { renditions: names.map(stored) } })], { partialLadder: 'wait' });
  assert.is(out.kind, 'package');
  if (out.kind !== 'package') return;
  assert.equal(
    out.input.renditions.map((r) => r.name),
    names,
  );
  assert.equal(out.input.missing, []);
  assert.is(out.partial, false);
  assert.is(out.input.plan, plan);
});

test('a rendition still pending or running: wait', () => {
  const failedLadder = ladder({ state: 'failed' });
  assert.equal(ladderOutcome([failedLadder, rendition('240p', 'running'), rendition('audio-en', 'succeeded')], { partialLadder: 'wait' }), { kind: 'wait' });
  assert.equal(ladderOutcome([failedLadder, rendition('240p', 'pending')], { partialLadder: 'emit' }), { kind: 'wait' });
});

test('per-rendition retries all succeeded after the ladder task failed: package them', () => {
  const out = ladderOutcome([ladder({ state: 'failed' }), ...names.map((n) => rendition(n, 'succeeded'))], { partialLadder: 'wait' });
  assert.is(out.kind, 'package');
  if (out.kind === 'package') assert.equal(out.input.missing, []);
});

test('a rung out of attempts: `wait` fails the job naming it, `emit` packages the rest as partial', () => {
  const top = plan.rungs.at(-1)!.name;
  const tasks = [ladder({ state: 'failed' }), ...names.map((n) => rendition(n, n === top ? 'dead' : 'succeeded'))];
  assert.equal(ladderOutcome(tasks, { partialLadder: 'wait' }), { kind: 'fail', missing: [top] });
  const emitted = ladderOutcome(tasks, { partialLadder: 'emit' });
  assert.is(emitted.kind, 'package');
  if (emitted.kind !== 'package') return;
  assert.equal(emitted.input.missing, [top]);
  assert.is(emitted.partial, true);
  assert.not.ok(emitted.input.renditions.some((r) => r.name === top));
});

test('`emit` with no video rung left still fails: audio alone is not a delivery', () => {
  const tasks = [ladder({ state: 'failed' }), ...names.map((n) => rendition(n, isAudio(n) ? 'succeeded' : 'dead'))];
  const out = ladderOutcome(tasks, { partialLadder: 'emit' });
  assert.is(out.kind, 'fail');
  if (out.kind === 'fail')
    assert.equal(
      out.missing,
      plan.rungs.map((r) => r.name),
    );
});

test('a malformed encode row is an INTERNAL error naming the task, not a silent empty ladder', () => {
  const bad = taskRow({ kind: 'encode', state: 'succeeded', input: { plan }, output: { files: [] } });
  try {
    ladderOutcome([bad], { partialLadder: 'wait' });
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'INTERNAL');
    assert.match((err as Error).message, bad.id);
  }
});

test.run();
