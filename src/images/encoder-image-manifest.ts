/**
 * manifest.json of an encoder image (unsigned; signing happens elsewhere). Paths are
 * relative to the image root, posix, without `..`; the image holds no symlinks.
 */
export interface EncoderImageManifest {
  schema: 'mpegflow.encoder-image/1';
  name: string;
  ffmpeg: {
    /** Version token of the first line of `ffmpeg -version`, e.g. `7.1.3-0+deb13u1`. */
    version: string;
    /** The flags of the `configuration:` line of `ffmpeg -version`. */
    configuration: string;
  };
  run: {
    /** Run binaries as `<loader> --library-path <libraryPath joined by ':'> <binary> …`. */
    loader: string;
    libraryPath: string[];
    binaries: { ffmpeg: string; ffprobe: string };
  };
  source: DebianImageSource | HostImageSource;
  /** Every regular file of the image except manifest.json, sorted by path. */
  files: Array<{ path: string; size: number; sha256: string; mode: string }>;
}

/** A manifest built by the Debian recipe. */
export type DebianImageManifest = EncoderImageManifest & { source: DebianImageSource };

export interface DebianImageSource {
  kind: 'debian';
  suite: string;
  arch: string;
  /** Only the packages that contributed at least one file to the image, sorted by name. */
  packages: Array<{ name: string; version: string; size: number; sha256: string; filename: string }>;
}

/** An image made of a host's own ffmpeg and its shared-library closure (`mpegflow images import-host`). */
export interface HostImageSource {
  kind: 'host';
  /** Where each file was copied from on the host, sorted by image path. */
  origins: Array<{ path: string; from: string }>;
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

/** The manifest's canonical bytes: fixed key order, sorted lists, 2-space JSON, final newline. */
export function formatManifest(manifest: EncoderImageManifest): string {
  const ordered: EncoderImageManifest = {
    schema: manifest.schema,
    name: manifest.name,
    ffmpeg: { version: manifest.ffmpeg.version, configuration: manifest.ffmpeg.configuration },
    run: {
      loader: manifest.run.loader,
      libraryPath: [...manifest.run.libraryPath],
      binaries: { ffmpeg: manifest.run.binaries.ffmpeg, ffprobe: manifest.run.binaries.ffprobe },
    },
    source:
      manifest.source.kind === 'debian'
        ? {
            kind: manifest.source.kind,
            suite: manifest.source.suite,
            arch: manifest.source.arch,
            packages: [...manifest.source.packages]
              .sort(byKey((p) => p.name))
              .map((p) => ({ name: p.name, version: p.version, size: p.size, sha256: p.sha256, filename: p.filename })),
          }
        : { kind: 'host', origins: [...manifest.source.origins].sort(byKey((o) => o.path)).map((o) => ({ path: o.path, from: o.from })) },
    files: [...manifest.files].sort(byKey((f) => f.path)).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, mode: f.mode })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Where an image keeps glibc's iconv modules (run with `GCONV_PATH=<img>/lib/gconv`). */
export const IMAGE_GCONV_DIR = 'lib/gconv';
