// A pool closed while its worker threads still import their module graph (a stop just after
// start) must not abort the process: V8 FATALs ("IsGraphAsync") when a worker is terminated
// mid-import. Run in a child process, since that failure kills the process, not a test.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const stagePool = new URL('../../src/supervisor/stage-pool.js', import.meta.url).href;

test("pools opened and closed at every moment of their workers' start-up: the process survives", () => {
  // The close lands from 0 to ~600 ms after construction, across the whole import (~0.5 s).
  const script = `
    const { StagePool } = await import(${JSON.stringify(stagePool)});
    for (let i = 0; i < 30; i++) {
      const pool = new StagePool('probe', { cores: [0], slots: 2, timeoutSeconds: 60, memoryLimitBytes: 2 ** 30, maxAttempts: 3 });
      await new Promise((r) => setTimeout(r, i * 20));
      await pool.close();
    }
    console.log('closed 30 pools');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 240_000 });
  assert.not.match(r.stderr, /FATAL/, r.stderr.slice(0, 400));
  assert.is(r.signal, null, `killed by ${r.signal}`);
  assert.is(r.status, 0, r.stderr.slice(0, 400));
  assert.match(r.stdout, /closed 30 pools/);
});

test.run();
