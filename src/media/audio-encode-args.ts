import type { AudioPlan } from './ladder-plan.js';
import { checkInt, kbps } from './argv-values.js';
import { channelFilter } from './audio-downmix.js';
import { loudnormFilter, type LoudnessMeasurement } from './loudness.js';
import { mediaArgumentError } from './media-errors.js';

const ENCODERS = { aac: 'aac', ac3: 'ac3', eac3: 'eac3' } as const;

/**
 * The audio filter of one rendition: the channel matrix (audio-downmix.ts), then — when the
 * plan asks for loudness and the track is not silent — pass 2 of loudnorm and a resample to
 * the output rate. Null: the track needs no filter (stereo to stereo, levels as mastered).
 */
export function audioFilterChain(audio: AudioPlan, measurement: LoudnessMeasurement | null): string | null {
  const steps: string[] = [];
  const matrix = channelFilter(audio);
  if (matrix) steps.push(matrix);
  if (audio.loudness) {
    if (!measurement) throw mediaArgumentError(`audio ${audio.name} has a loudness target: its measurement is required`);
    const loudnorm = loudnormFilter(audio.loudness, measurement);
    if (loudnorm) steps.push(loudnorm, `aresample=${sampleRate(audio)}`);
  } else if (measurement) throw mediaArgumentError(`audio ${audio.name} has no loudness target: a measurement must be absent`);
  return steps.length ? steps.join(',') : null;
}

/** One audio rendition's output: the source track, its filter, AAC-LC / AC-3 / E-AC-3 at the planned rate and channels, MP4. */
export function audioOutputArgs(audio: AudioPlan, output: string, measurement: LoudnessMeasurement | null): string[] {
  const filter = audioFilterChain(audio, measurement);
  const encoder = Object.hasOwn(ENCODERS, audio.codec) ? ENCODERS[audio.codec] : null;
  if (!encoder) throw mediaArgumentError(`audio ${audio.name}: codec ${String(audio.codec)} is not aac, ac3 or eac3`);
  return [
    '-map',
    `0:${checkInt(audio.streamIndex, 0, 65535, 'audio stream index')}`,
    '-vn',
    '-sn',
    '-dn',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    ...(filter ? ['-af', filter] : []),
    '-c:a',
    encoder,
    '-b:a',
    kbps(audio.bitrateKbps, 'audio bitrate'),
    '-ac',
    String(checkInt(audio.channels, 2, 6, 'audio channels')),
    '-ar',
    String(sampleRate(audio)),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    output,
  ];
}

function sampleRate(audio: AudioPlan): number {
  return checkInt(audio.sampleRate, 8000, 192000, 'sample rate');
}
