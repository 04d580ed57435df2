import type { Readable } from 'node:stream';

/**
 * The contract between the image catalog (which alone may start an encoder) and the
 * code that needs one (supervisor, media stages). Built by `src/images/verified-spawn.ts`.
 */
export type EncoderBinary = 'ffmpeg' | 'ffprobe';

export interface EncoderCommand {
  binary: EncoderBinary;
  /** Arguments after the binary, built by src/media from typed values; never from a shell. */
  args: readonly string[];
  /** Cores the process (and its threads) may run on (sched_setaffinity). */
  cpus?: readonly number[];
  cwd?: string;
}

export interface EncoderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EncoderProcess {
  pid: number;
  /** The exact argv that was executed (loader, flags, binary, arguments), for the audit trail. */
  argv: readonly string[];
  /** The image (manifest sha256) the process runs from. */
  imageId: string;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<EncoderExit>;
  /** Signals the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Where a verified image lives, in a form that crosses a worker-thread boundary. */
export interface ImageRef {
  id: string;
  dir: string;
}
