// Loaded into a node process with NODE_OPTIONS=--import (node 20 refuses --cpu-prof there):
// samples the main thread from start to exit and writes a .cpuprofile (Chrome DevTools format)
// into BENCH_CPU_PROF_DIR. Used by bench/cluster/throughput.ts for the worker nodes.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `node-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
