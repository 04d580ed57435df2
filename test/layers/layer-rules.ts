// The layer table of DESIGN.md as data, and the check the suite runs over src/ and appliance/.
// A folder may import itself, the ground floor, config, and what its row lists; nothing else.
// Any import cycle between files fails too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Imported by every layer; each imports only the ground floor itself. */
export const GROUND_FLOOR = ['errors', 'log', 'hashing', 'signing', 'signed-tree', 'scheduling'] as const;

/** folder (under src/, or `appliance`) → the folders above the ground floor it may import. */
export const LAYERS: Record<string, readonly string[] | 'everything'> = {
  cli: 'everything',
  appliance: 'everything-but-cli' as never,
  doctor: ['appliance', 'config'],
  http: ['runtime', 'store', 'storage', 'events', 'auth', 'audit', 'metrics', 'image-catalog', 'images', 'supervisor', 'media', 'tls', 'config'],
  ingest: ['runtime', 'storage', 'store', 'config'],
  metrics: ['events', 'store', 'supervisor', 'config'],
  runtime: ['store', 'events', 'supervisor', 'storage', 'image-catalog', 'images', 'media', 'config'],
  audit: ['store', 'storage', 'images', 'media', 'config'],
  auth: ['store', 'config'],
  cluster: ['store', 'config'],
  events: ['store', 'tls', 'config'],
  supervisor: ['media', 'images', 'config'],
  'image-catalog': ['images', 'image-build', 'store', 'config'],
  'image-build': ['images', 'config'],
  components: ['storage', 'config'],
  images: ['config'],
  store: ['config'],
  storage: ['tls', 'at-rest', 'config'],
  media: [],
  tls: ['config'],
  'at-rest': [],
  config: [],
  errors: [],
  log: ['errors'],
  hashing: ['errors'],
  signing: ['errors'],
  'signed-tree': ['errors', 'hashing', 'signing'],
  scheduling: ['errors', 'log'],
};

export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
}

/** The layer of a file: its first folder under src/, or `appliance` for appliance/. */
export function layerOf(root: string, file: string): string | null {
  const rel = relative(root, file).split(sep);
  if (rel[0] === 'appliance') return 'appliance';
  if (rel[0] === 'src' && rel.length > 2) return rel[1]!;
  return null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'migrations') out.push(...sourceFiles(p));
    } else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every relative import (static, dynamic, export … from) of the TypeScript under `dirs`. */
export function importEdges(root: string, dirs: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const ref of info.importedFiles) {
        if (!ref.fileName.startsWith('.')) continue;
        const target = resolve(dirname(file), ref.fileName).replace(/\.js$/, '.ts');
        edges.push({ from: file, to: target, specifier: ref.fileName });
      }
    }
  }
  return edges;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const row = LAYERS[from];
  if (row === undefined) return false; // a folder the table does not know is a finding
  if ((GROUND_FLOOR as readonly string[]).includes(from)) return (row as readonly string[]).includes(to);
  if ((GROUND_FLOOR as readonly string[]).includes(to)) return true;
  if (row === 'everything') return true;
  if ((row as unknown) === 'everything-but-cli') return to !== 'cli';
  return row.includes(to);
}

/** One line per import the table forbids, and per folder the table does not know. */
export function layerViolations(root: string, edges: readonly ImportEdge[]): string[] {
  const out = new Set<string>();
  for (const e of edges) {
    const from = layerOf(root, e.from);
    const to = layerOf(root, e.to);
    if (!from) continue;
    if (!(from in LAYERS)) {
      out.add(`${relative(root, e.from)}: folder src/${from}/ is not in the layer table`);
      continue;
    }
    if (!to) {
      if (!relative(root, e.to).startsWith('..')) out.add(`${relative(root, e.from)} imports ${e.specifier}, outside src/ and appliance/`);
      continue;
    }
    if (!allowed(from, to)) out.add(`${relative(root, e.from)} imports ${e.specifier}: ${from} may not import ${to}`);
  }
  return [...out].sort();
}

/**
 * The API's schemas (`src/http/schemas/`) are shared with the UI: they import only each other
 * (and zod), and the UI (`ui/src/`) imports nothing of the server but them.
 */
export const API_SCHEMAS = 'src/http/schemas/';

/** One line per import that breaks the API-schemas rule, for edges read from src/ and ui/src/. */
export function schemaViolations(root: string, edges: readonly ImportEdge[]): string[] {
  const out = new Set<string>();
  for (const e of edges) {
    const from = relative(root, e.from);
    const to = relative(root, e.to);
    if (from.startsWith(API_SCHEMAS) && !to.startsWith(API_SCHEMAS)) out.add(`${from} imports ${e.specifier}: the API schemas import only each other`);
    if (from.startsWith('ui/') && !to.startsWith('ui/') && !to.startsWith(API_SCHEMAS))
      out.add(`${from} imports ${e.specifier}: the UI imports only the API schemas of the server`);
  }
  return [...out].sort();
}

/** Where the environment may be read: the config, and the entry points that hand it to the config. */
export const ENVIRONMENT_READERS = ['src/config/', 'src/cli/', 'src/image-build/cli.ts'] as const;

/** Each file under `dirs` that reads `process.env` outside ENVIRONMENT_READERS. */
export function environmentReads(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const rel = relative(root, file);
      if (ENVIRONMENT_READERS.some((allowed) => rel.startsWith(allowed))) continue;
      if (/\bprocess\.env\b/.test(readFileSync(file, 'utf8'))) out.push(rel);
    }
  }
  return out;
}

/** Each import cycle between files, as the chain of files that closes it. */
export function importCycles(root: string, edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      const s = state.get(to);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].map((f) => relative(root, f)).join(' → '));
      else if (s === undefined) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
