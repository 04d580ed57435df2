import { resolve, sep } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import type { FileConfig } from './schema.js';

const within = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * Watch folders must be distinct, not nested in one another, and neither inside the data
 * directory nor containing it (the appliance would ingest, or move, its own files).
 */
export function checkWatchFolderPaths(folders: NonNullable<FileConfig['watchFolders']>, dataDir: string): void {
  const paths = folders.map((f) => resolve(f.path));
  paths.forEach((path, i) => {
    const bad = (why: string) =>
      new ApplianceError('CONFIG_INVALID', `config: watchFolders[${i}].path: ${why}`, { details: { key: `watchFolders[${i}].path` } });
    if (within(path, dataDir) || within(dataDir, path)) throw bad(`${path} overlaps the data directory ${dataDir}`);
    paths.forEach((other, j) => {
      if (j < i && (within(path, other) || within(other, path))) throw bad(`${path} overlaps watchFolders[${j}] (${other})`);
    });
  });
}
