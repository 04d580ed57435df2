import { spawn } from 'node:child_process';
import type { EncoderCommand, EncoderExit, EncoderProcess, ImageRef } from './encoder-process.js';
import { encoderArgv } from './encoder-argv.js';
import { encoderEnvironment } from './encoder-env.js';
import { failureOf, type VerificationFailure } from './image-errors.js';
import type { TrustedKeys } from '../signing/trusted-keys.js';
import { verifyImageDir, type VerifiedImage } from './verify-image.js';

export interface SpawnOptions {
  /**
   * Called (and awaited) with the reason before ENCODER_UNVERIFIED is thrown, so the
   * caller can append `encoder_image.verification_failed` to the audit trail (a worker
   * thread posts it to the main thread; see auditVerificationFailure).
   */
  onVerificationFailed?: (failure: VerificationFailure) => Promise<void> | void;
}

async function checked<T>(run: () => Promise<T>, options: SpawnOptions): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const failure = failureOf(err);
    if (failure && options.onVerificationFailed) await options.onVerificationFailed(failure);
    throw err;
  }
}

/**
 * Opens an image for a pool: a full verification (every file re-hashed) in this
 * thread; later spawns re-hash only when the tree's metadata changes. Usable from a
 * worker thread: `ref` and `trust` are plain data.
 */
export function openVerifiedImage(ref: ImageRef, trust: TrustedKeys, options: SpawnOptions = {}): Promise<VerifiedImage> {
  return checked(() => verifyImageDir(ref.dir, trust, { expectedId: ref.id, stage: 'pool-start', mode: 'full' }), options);
}

/**
 * The ONLY way the appliance starts ffmpeg or ffprobe. Verifies the image first
 * (cached by path, inode, size, mode, mtime and ctime of every file; re-hashed on any
 * change), then runs the image's binary through the image's loader with an argv array
 * (no shell), pinned to `cpus` with taskset, in its own process group, with a scrubbed
 * environment, `-nostdin` and `-protocol_whitelist file,pipe` before every input.
 */
export async function spawnVerified(ref: ImageRef, trust: TrustedKeys, command: EncoderCommand, options: SpawnOptions = {}): Promise<EncoderProcess> {
  const image = await checked(() => verifyImageDir(ref.dir, trust, { expectedId: ref.id, stage: 'spawn', mode: 'cached' }), options);
  const argv = encoderArgv(image.dir, image.manifest.run, command);
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: command.cwd ?? image.dir,
    env: encoderEnvironment(image.dir),
    detached: true, // setsid: its own process group, so kill() reaches every thread and child
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid as number;
  const exited = new Promise<EncoderExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid,
    argv: Object.freeze([...argv]),
    imageId: image.id,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      try {
        process.kill(-pid, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
  };
}
