#!/usr/bin/env node
// Prints two lines for scripts/test-node24.sh: the bundled Node 24 folder, and a
// better-sqlite3 compiled for it (the offline bundle's cached production build, made
// with npm_config_nodedir and no download; compiled on first use, ~1-2 min).
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { nodeRuntime } = await import(join(root, 'dist/offline-bundle/node-runtime.js'));
const { productionNodeModules } = await import(join(root, 'dist/offline-bundle/stage-app.js'));
const cache = process.env.MPEGFLOW_BUNDLE_CACHE ?? join(tmpdir(), 'mpegflow-bundle-cache');
const node = nodeRuntime(cache, process.env.MPEGFLOW_NODE_SPEC ?? '24');
const modules = productionNodeModules(root, cache, node, (line) => console.error(`node24: ${line}`));
console.log(node.dir);
console.log(join(modules, 'better-sqlite3'));
