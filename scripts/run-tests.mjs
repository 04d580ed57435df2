#!/usr/bin/env node
// Runs every uvu suite (dist/test/**/*.test.js, compiled first), each in its own process,
// and ends with one aggregate line `N passed, N failed`. Exit code 1 on any failure.
// Usage: npm test [-- FILTER...]   (FILTER: substrings of test file paths; MPEGFLOW_TEST_JOBS=N runs N suites at once)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const fileTimeoutMs = Number(process.env.MPEGFLOW_TEST_FILE_TIMEOUT_MS ?? 5 * 60 * 1000);

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('typescript build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// A compiled suite whose source is gone (moved or deleted) is stale output of an earlier build: not run.
const hasSource = (f) => existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts'));
const files = findTests(join(root, 'dist/test'))
  .filter(hasSource)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
// MPEGFLOW_TEST_EXCLUDE: comma-separated path substrings to leave out (e.g. suites a second run repeats for nothing).
const excluded = (process.env.MPEGFLOW_TEST_EXCLUDE ?? '').split(',').filter(Boolean);
if (excluded.length) files.splice(0, files.length, ...files.filter((f) => !excluded.some((x) => relative(root, f).includes(x))));
// eslint-disable-next-line no-control-regex -- ANSI colour codes are exactly what is stripped
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

// The runner's own variables stay with the runner: the appliance refuses unknown MPEGFLOW_*
// variables, and suites pass their environment on to the processes they start.
const RUNNER_VARIABLES = ['MPEGFLOW_TEST_JOBS', 'MPEGFLOW_TEST_EXCLUDE', 'MPEGFLOW_TEST_FILE_TIMEOUT_MS', 'MPEGFLOW_TEST_VERBOSE'];
const suiteEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !RUNNER_VARIABLES.includes(k)));

function runFile(file) {
  return new Promise((resolveRun) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root,
      env: { ...suiteEnv, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[run-tests] timed out after ${fileTimeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, fileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = strip(out);
      const total = [...text.matchAll(/Total:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      const passed = [...text.matchAll(/Passed:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      const skipped = [...text.matchAll(/Skipped:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      let failed = total - passed - skipped;
      if ((code !== 0 || signal) && failed === 0) failed = 1; // crashed, timed out, or failed outside a test
      if (total === 0 && failed === 0) failed = 1; // a suite that ran nothing is a hole
      resolveRun({ file, passed, failed, skipped, ms: Date.now() - started, text });
    });
  });
}

// MPEGFLOW_TEST_JOBS: how many suites run at once (default 1). Each suite owns its temp dirs,
// ports, data dirs and bucket prefixes; the offline-bundle suites change the host (service
// user, installs as root) and always run alone. With more than one job, the suites that keep
// the cores busy themselves (whole appliances, browsers, encoders) also run alone, after the
// others: sharing two cores would only slow them and stretch their timeouts.
const jobs = Math.max(1, Number(process.env.MPEGFLOW_TEST_JOBS ?? 1) || 1);
const BUSY = [
  /test\/(e2e|ui|supervisor|image-build|offline-bundle|runtime|ingest)\//,
  /test\/media\/(encode-args|hdr-encode|audio-encode)\b/,
  /test\/(cli\/(start|images|submit)|tls\/https-appliance|audit\/(appliance|heads-appliance))\b/,
];
const runsAlone = (file) => relative(root, file).includes('test/offline-bundle/') || (jobs > 1 && BUSY.some((re) => re.test(relative(root, file))));

let passed = 0;
let failed = 0;
let skipped = 0;
function report(r) {
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  const name = relative(join(root, 'dist'), r.file);
  console.log(`${r.failed ? 'FAIL' : 'ok  '} ${name}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)} s)`);
  if (r.failed || process.env.MPEGFLOW_TEST_VERBOSE) console.log(r.text.replace(/^/gm, '    '));
}
const shared = files.filter((f) => !runsAlone(f));
const queue = [...shared];
await Promise.all(
  Array.from({ length: Math.min(jobs, shared.length) }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) report(await runFile(file));
  }),
);
for (const file of files.filter(runsAlone)) report(await runFile(file));
if (files.length === 0) {
  console.log('no test files matched');
  failed++;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
