import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import type { EncoderImageManifest } from './encoder-image-manifest.js';
import type { EncoderCommand } from './encoder-process.js';

/** The only protocols an encoder may open: staged local files and pipes. */
export const PROTOCOL_WHITELIST = 'file,pipe';

/**
 * An input that is the appliance's loopback range server of an encrypted object (the shape
 * src/media/argv-values.ts admits) may be opened with `http,tcp` instead — that input only.
 */
const LOOPBACK_RANGE_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/[0-9a-f]{32}$/;
export const LOOPBACK_PROTOCOL_WHITELIST = 'http,tcp';

const whitelistFor = (input: string | undefined): string =>
  input !== undefined && LOOPBACK_RANGE_URL.test(input) ? LOOPBACK_PROTOCOL_WHITELIST : PROTOCOL_WHITELIST;

/** Options the appliance sets itself; a caller passing one is a programming error. */
const RESERVED_OPTIONS = new Set(['-protocol_whitelist', '-protocol_blacklist']);

const TASKSET_CANDIDATES = ['/usr/bin/taskset', '/bin/taskset'];

function taskset(): string {
  const found = TASKSET_CANDIDATES.find((path) => existsSync(path));
  if (!found)
    throw new ApplianceError(
      'CPU_PINNING_UNAVAILABLE',
      `taskset (util-linux) not found at ${TASKSET_CANDIDATES.join(' or ')}; cannot pin the encoder to its cores`,
    );
  return found;
}

/** `taskset -c` list of cores, validated. */
export function cpuList(cpus: readonly number[]): string {
  if (cpus.length === 0) throw new ApplianceError('ENCODER_ARGS_INVALID', 'cpus is empty: an encoder needs at least one core');
  for (const cpu of cpus) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu > 4095) throw new ApplianceError('ENCODER_ARGS_INVALID', `cpu ${String(cpu)} is not a core number`);
  }
  return [...new Set(cpus)].sort((a, b) => a - b).join(',');
}

/**
 * The encoder's own arguments with the appliance's flags: ffmpeg gets `-nostdin`
 * first; `-protocol_whitelist file,pipe` goes before every `-i` (and, for an ffprobe
 * without `-i`, before its input, i.e. first) — `http,tcp` before an `-i` of the loopback
 * range server, for that input alone.
 */
export function hardenedArgs(command: EncoderCommand): string[] {
  const out: string[] = command.binary === 'ffmpeg' ? ['-nostdin'] : [];
  let inputs = 0;
  for (const [i, arg] of command.args.entries()) {
    if (typeof arg !== 'string' || arg.includes('\0')) throw new ApplianceError('ENCODER_ARGS_INVALID', 'encoder arguments must be strings without NUL');
    if (RESERVED_OPTIONS.has(arg)) throw new ApplianceError('ENCODER_ARGS_INVALID', `${arg} is set by the appliance and may not be passed`);
    if (arg === '-i') {
      out.push('-protocol_whitelist', whitelistFor(command.args[i + 1]));
      inputs += 1;
    }
    out.push(arg);
  }
  if (command.binary === 'ffprobe' && inputs === 0) out.unshift('-protocol_whitelist', PROTOCOL_WHITELIST);
  return out;
}

/**
 * The full argv: `[taskset -c LIST] <img>/<loader> --library-path <img libdirs> <img>/bin/<binary> ARGS`.
 * The first element is the file to execute.
 */
export function encoderArgv(imageDir: string, run: EncoderImageManifest['run'], command: EncoderCommand): string[] {
  const prefix = command.cpus !== undefined ? [taskset(), '-c', cpuList(command.cpus)] : [];
  return [
    ...prefix,
    join(imageDir, run.loader),
    '--library-path',
    run.libraryPath.map((dir) => join(imageDir, dir)).join(':'),
    join(imageDir, run.binaries[command.binary]),
    ...hardenedArgs(command),
  ];
}
