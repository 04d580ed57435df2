// DESIGN.md's layer table, enforced: no forbidden arrow, no import cycle, in src/ and appliance/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { environmentReads, importCycles, importEdges, layerViolations, schemaViolations } from './layer-rules.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('main keeps to the layer table', () => {
  const edges = importEdges(root, ['src', 'appliance']);
  assert.ok(edges.length > 300, `read the imports (${edges.length})`);
  assert.equal(layerViolations(root, edges), []);
});

test('the API schemas import only each other; the UI imports only them of the server', () => {
  const edges = importEdges(root, ['src/http', 'ui/src']);
  assert.ok(
    edges.some((e) => e.from.includes('/ui/src/') && e.to.includes('/src/http/schemas/')),
    'the UI takes its types from the schemas',
  );
  assert.equal(schemaViolations(root, edges), []);
});

test('main has no import cycle', () => {
  assert.equal(importCycles(root, importEdges(root, ['src', 'appliance'])), []);
});

test('the environment is read by the config and the CLI entry only', () => {
  assert.equal(environmentReads(root, ['src', 'appliance']), []);
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpegflow-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('a wrong import is found: the store importing the runtime, the images importing the store', () => {
  const dir = tree({
    'src/runtime/job-runtime.ts': "import { openStore } from '../store/open-store.js';\nexport const x = openStore;\n",
    'src/store/open-store.ts': "import type { JobRuntime } from '../runtime/job-runtime.js';\nexport const openStore = 1;\n",
    'src/images/image-catalog.ts': "export { openStore } from '../store/open-store.js';\n",
    'src/media/plan.ts': "const m = await import('../images/image-catalog.js');\n",
    'src/storage/where.ts': "export const root = process.env['HOME'];\n",
  });
  try {
    const edges = importEdges(dir, ['src']);
    assert.equal(layerViolations(dir, edges), [
      'src/images/image-catalog.ts imports ../store/open-store.js: images may not import store',
      'src/media/plan.ts imports ../images/image-catalog.js: media may not import images',
      'src/store/open-store.ts imports ../runtime/job-runtime.js: store may not import runtime',
    ]);
    assert.equal(importCycles(dir, edges), ['src/store/open-store.ts → src/runtime/job-runtime.ts → src/store/open-store.ts']);
    assert.equal(environmentReads(dir, ['src']), ['src/storage/where.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a schema importing the store, the UI importing a route: both found', () => {
  const dir = tree({
    'src/http/schemas/jobs.ts': "import type { Job } from '../../store/jobs.js';\nimport { jobStates } from './states.js';\nexport type J = Job;\n",
    'src/http/schemas/states.ts': 'export const jobStates = [];\n',
    'ui/src/api.ts': "import type { JobDetail } from '../../src/http/schemas/jobs';\nimport { jobRoutes } from '../../src/http/routes/jobs';\n",
  });
  try {
    assert.equal(schemaViolations(dir, importEdges(dir, ['src', 'ui/src'])), [
      'src/http/schemas/jobs.ts imports ../../store/jobs.js: the API schemas import only each other',
      'ui/src/api.ts imports ../../src/http/routes/jobs: the UI imports only the API schemas of the server',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder the table does not know is a finding', () => {
  const dir = tree({ 'src/grab-bag/utils.ts': "import { ApplianceError } from '../errors/appliance-error.js';\nexport const e = ApplianceError;\n" });
  try {
    assert.equal(layerViolations(dir, importEdges(dir, ['src'])), ['src/grab-bag/utils.ts: folder src/grab-bag/ is not in the layer table']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
