import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { dataLayout } from '../../appliance/data-layout.js';
import { initAppliance } from '../../appliance/init.js';
import type { Config } from '../config/schema.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { makeHostImage } from '../image-build/host-image.js';
import { importImage, removeImage, verifyCatalog } from '../image-catalog/image-catalog.js';
import { signImageManifest } from '../images/image-signing.js';
import { applianceTrust } from '../images/image-trust.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { Print } from './commands.js';

const ACTOR = 'cli';

async function withCatalog<T>(cfg: Config, fn: (store: Store, layout: ReturnType<typeof dataLayout>) => Promise<T>): Promise<T> {
  const layout = dataLayout(cfg.dataDir);
  const { store } = await initAppliance(cfg, layout, () => openStore(cfg));
  try {
    return await fn(store, layout);
  } finally {
    await store.close();
  }
}

/** `mpegflow images list`: one line per registered image, the default marked `*`. */
export function imagesListCommand(print: Print, cfg: Config): Promise<number> {
  return withCatalog(cfg, async (store) => {
    const images = await store.images.list();
    const fallback = await store.images.default();
    if (images.length === 0) {
      print('no encoder images registered (mpegflow start builds the FFmpeg 7.1 image; or mpegflow images import DIR / import-host)');
      return 0;
    }
    for (const i of images) {
      print(
        `${i.id === fallback?.id ? '*' : ' '} ${i.id}  ${i.name}  ${i.version}  ${i.state}  imported ${i.importedAt}${i.verifiedAt ? `  verified ${i.verifiedAt}` : ''}`,
      );
    }
    return 0;
  });
}

/** `mpegflow images verify`: re-hashes every registered image; exit 0 only if there is one and every one verifies. */
export function imagesVerifyCommand(print: Print, cfg: Config): Promise<number> {
  return withCatalog(cfg, async (store, layout) => {
    const verdicts = await verifyCatalog(store, layout.images, await applianceTrust(layout.trust), ACTOR, 'verify');
    if (verdicts.length === 0) {
      print('no encoder images registered: nothing verifies');
      return 1;
    }
    for (const v of verdicts) {
      if (v.ok && v.image) print(`ok    ${v.id}  ${v.name} ${v.version}: ${v.image.manifest.files.length} files, signed by ${v.image.signedBy}`);
      else print(`FAIL  ${v.id}  ${v.name} ${v.version}: ${v.reason}`);
    }
    const bad = verdicts.filter((v) => !v.ok).length;
    print(bad === 0 ? `all ${verdicts.length} encoder image(s) verify` : `${bad} of ${verdicts.length} encoder image(s) do NOT verify`);
    return bad === 0 ? 0 : 1;
  });
}

/** `mpegflow images import DIR`: a signed image (manifest.json + manifest.json.asc by a trusted key). */
export function imagesImportCommand(print: Print, cfg: Config, dir: string): Promise<number> {
  return withCatalog(cfg, async (store, layout) => {
    const { image, alreadyImported } = await importImage({
      store,
      imagesDir: layout.images,
      trust: await applianceTrust(layout.trust),
      from: resolve(dir),
      actor: ACTOR,
    });
    print(`${alreadyImported ? 'already imported' : 'imported'} ${image.id}  ${image.name} ${image.version}`);
    return 0;
  });
}

function onPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir && isAbsolute(dir) && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface ImportHostOptions {
  ffmpeg?: string;
  ffprobe?: string;
  loader?: string;
  libraryPath?: string;
  gconv?: string;
  /** The PATH to look ffmpeg and ffprobe up in when not given. */
  searchPath?: string;
}

/**
 * `mpegflow images import-host`: an image of this host's ffmpeg (and ffprobe) with
 * their shared-library closure, signed with the appliance's own key and imported.
 */
export function imagesImportHostCommand(print: Print, cfg: Config, options: ImportHostOptions): Promise<number> {
  const ffmpeg = options.ffmpeg ?? onPath('ffmpeg', options.searchPath);
  const ffprobe = options.ffprobe ?? onPath('ffprobe', options.searchPath);
  if (!ffmpeg || !ffprobe) {
    throw new ApplianceError('HOST_FFMPEG_MISSING', `no ${!ffmpeg ? 'ffmpeg' : 'ffprobe'} on this host's PATH; pass --ffmpeg PATH --ffprobe PATH`);
  }
  return withCatalog(cfg, async (store, layout) => {
    const work = await mkdtemp(join(layout.scratch, 'host-image-'));
    try {
      const outDir = join(work, 'image');
      const manifest = await makeHostImage({
        ffmpeg: resolve(ffmpeg),
        ffprobe: resolve(ffprobe),
        outDir,
        ...(options.loader ? { loader: resolve(options.loader) } : {}),
        ...(options.libraryPath
          ? {
              libraryPath: options.libraryPath
                .split(':')
                .filter(Boolean)
                .map((d) => resolve(d)),
            }
          : {}),
        ...(options.gconv ? { gconvDir: resolve(options.gconv) } : {}),
      });
      print(`made an image of ${ffmpeg} (ffmpeg ${manifest.ffmpeg.version}): ${manifest.files.length} files`);
      await signImageManifest(outDir, await readFile(layout.auditKey, 'utf8'));
      const { image } = await importImage({
        store,
        imagesDir: layout.images,
        trust: await applianceTrust(layout.trust),
        from: outDir,
        actor: ACTOR,
        move: true,
        note: { host: { ffmpeg, ffprobe } },
      });
      print(`imported ${image.id}  ${image.name} ${image.version} (signed with the appliance key)`);
      return 0;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** `mpegflow images remove ID`: refused while any job pins the image. */
export function imagesRemoveCommand(print: Print, cfg: Config, id: string): Promise<number> {
  return withCatalog(cfg, async (store) => {
    const removed = await removeImage(store, dataLayout(cfg.dataDir).images, id, ACTOR);
    print(`removed ${removed.id}  ${removed.name} ${removed.version}`);
    return 0;
  });
}
