import { ApplianceError } from '../errors/appliance-error.js';
import { runTool, stderrTail } from './run-tool.js';

/** One line of `ld.so --list`. */
export interface LoadedObject {
  /** The name asked for: a soname (`libc.so.6`) or, for the program interpreter, a path. */
  name: string;
  /** Absolute path the loader opened, or null when it was not found. */
  path: string | null;
  /** True for the program interpreter line (the loader itself). */
  interpreter: boolean;
}

/** Parses `ld.so --list` output (vDSO lines dropped). */
export function parseLoaderList(stdout: string): LoadedObject[] {
  const objects: LoadedObject[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '' || /^linux-(vdso|gate)\.so/.test(line)) continue;
    let match = /^(\S+) => not found$/.exec(line);
    if (match?.[1]) {
      objects.push({ name: match[1], path: null, interpreter: false });
      continue;
    }
    match = /^(\S+) => (.+?) \(0x[0-9a-f]+\)$/.exec(line);
    if (match?.[1] && match[2]) {
      objects.push({ name: match[1], path: match[2], interpreter: match[1].startsWith('/') });
      continue;
    }
    match = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (match?.[1]) {
      objects.push({ name: match[1], path: match[1], interpreter: true });
      continue;
    }
    throw new ApplianceError('IMAGE_BUILD_FAILED', `unexpected ld.so --list line: ${JSON.stringify(line)}`);
  }
  return objects;
}

/**
 * What `<loader> --library-path <dirs> <binary>` loads, listed the way `ldd` /
 * `ld.so --list` do (LD_TRACE_LOADED_OBJECTS=1), with no other environment (no
 * LD_LIBRARY_PATH / LD_PRELOAD from the caller). The trace variable is used instead of
 * `--list` because glibc 2.41's `--list` stops at the first missing object, while the
 * trace mode reports every missing one as `=> not found`.
 */
export async function listLoadedObjects(loader: string, libraryPath: readonly string[], binary: string): Promise<LoadedObject[]> {
  const result = await runTool(loader, ['--library-path', libraryPath.join(':'), binary], {
    env: { LC_ALL: 'C', LD_TRACE_LOADED_OBJECTS: '1' },
    timeoutMs: 60_000,
  });
  const objects = result.code === 0 || /=> not found/.test(result.stdout) ? parseLoaderList(result.stdout) : null;
  if (!objects || objects.length === 0) {
    throw new ApplianceError('IMAGE_BUILD_FAILED', `listing what ${binary} loads with ${loader} failed (exit ${result.code}): ${stderrTail(result)}`);
  }
  return objects;
}
