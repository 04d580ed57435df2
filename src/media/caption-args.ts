import { checkDistinctPaths, checkInput, checkInt, checkPath } from './argv-values.js';

/**
 * A text subtitle stream of the master (mov_text, subrip, webvtt, ass, …) as WebVTT: ffmpeg
 * converts the cues, the caption reader (captions/read-caption.ts) then checks and
 * normalises them like any sidecar file.
 */
export function subtitleStreamArgs(options: { input: string; streamIndex: number; output: string }): string[] {
  const input = checkInput(options.input, 'caption input');
  const output = checkPath(options.output, 'caption output');
  checkDistinctPaths([input], [output]);
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostats',
    '-y',
    '-i',
    input,
    '-map',
    `0:${checkInt(options.streamIndex, 0, 65535, 'subtitle stream index')}`,
    '-map_metadata',
    '-1',
    '-c:s',
    'webvtt',
    '-f',
    'webvtt',
    output,
  ];
}
