import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { listLoadedObjects, type LoadedObject } from './loader-list.js';
import type { EncoderImageManifest } from '../images/encoder-image-manifest.js';

/** What one image binary loads when run relocated. */
export interface BinaryLoadReport {
  binary: string;
  objects: LoadedObject[];
  /** Objects not found or resolved (directly or through a link) outside the image. */
  outside: LoadedObject[];
}

/**
 * Lists, with the image's own loader and library path, what each image binary loads;
 * `outside` holds everything that is missing or comes from outside `imageDir`.
 */
export async function inspectImageLoads(imageDir: string, run: EncoderImageManifest['run']): Promise<BinaryLoadReport[]> {
  const root = await realpath(imageDir);
  const loader = join(root, run.loader);
  const libraryPath = run.libraryPath.map((dir) => join(root, dir));
  const reports: BinaryLoadReport[] = [];
  for (const binary of Object.values(run.binaries)) {
    const objects = await listLoadedObjects(loader, libraryPath, join(root, binary));
    const outside: LoadedObject[] = [];
    for (const object of objects) {
      if (object.interpreter) {
        if (object.path !== loader) outside.push(object); // must be the loader we ran
        continue;
      }
      const real = object.path === null ? null : await realpath(object.path).catch(() => null);
      if (real === null || object.path === null || !object.path.startsWith(root + sep) || real !== object.path) outside.push(object);
    }
    reports.push({ binary, objects, outside });
  }
  return reports;
}

/** Fails with IMAGE_LIBRARY_LEAK unless every object every binary loads is a file of the image. */
export async function assertImageSelfContained(imageDir: string, run: EncoderImageManifest['run']): Promise<BinaryLoadReport[]> {
  const reports = await inspectImageLoads(imageDir, run);
  const leaks = reports.flatMap((report) => report.outside.map((object) => `${report.binary}: ${object.name} => ${object.path ?? 'not found'}`));
  if (leaks.length > 0) {
    throw new ApplianceError('IMAGE_LIBRARY_LEAK', `image ${imageDir} is not self-contained: ${leaks.join('; ')}`, { details: { leaks } });
  }
  return reports;
}
