import type { LadderTemplate } from './ladder-template.js';
import { h264Level, H264_LEVELS } from './h264-levels.js';
import { HEVC_LEVELS, hevcLevel, levelAbove } from './hevc-levels.js';
import { isLanguageCode } from './languages.js';

/** One thing wrong with a template, at a field path (`rungs.2.maxLevel`). */
export interface TemplateProblem {
  path: string;
  message: string;
}

const RESERVED = /^(audio|text)(-|$)/;

/**
 * What a template means, beyond its shape (the API's zod schema checks that): unique rung
 * names, codec/profile pairs, HDR only on HEVC Main 10, rates that hold together, and every
 * rung within its codec's levels (and the template's cap) at its full box and the template's
 * maximum frame rate. An empty list: the template is valid.
 */
export function templateProblems(t: LadderTemplate): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (t.rungs.length === 0) add('rungs', 'a template needs at least one rung');
  const seen = new Map<string, number>();
  t.rungs.forEach((r, i) => {
    const at = `rungs.${i}`;
    const first = seen.get(r.name);
    if (first !== undefined) add(`${at}.name`, `duplicate rung name "${r.name}" (also rungs.${first})`);
    else seen.set(r.name, i);
    if (RESERVED.test(r.name)) add(`${at}.name`, `"${r.name}": names starting audio- or text- are the audio and caption renditions'`);
    if (r.codec === 'h264' && r.profile === 'main10') add(`${at}.profile`, 'main10 is an HEVC profile; H.264 takes baseline, main or high');
    if (r.codec === 'hevc' && r.profile !== 'main' && r.profile !== 'main10') add(`${at}.profile`, `HEVC takes main or main10, not ${r.profile}`);
    if (r.range === 'hdr' && !(r.codec === 'hevc' && r.profile === 'main10')) add(`${at}.range`, 'an HDR rung must be HEVC main10 (10-bit)');
    if (r.rate.mode === 'vbr' && r.rate.maxrateKbps < r.rate.bitrateKbps)
      add(`${at}.rate.maxrateKbps`, `maxrate ${r.rate.maxrateKbps} is below the bitrate ${r.rate.bitrateKbps}`);
    if (r.rate.bufsizeKbps < r.rate.maxrateKbps / 4)
      add(`${at}.rate.bufsizeKbps`, `bufsize ${r.rate.bufsizeKbps} is under a quarter second of maxrate ${r.rate.maxrateKbps}`);
    const levels = r.codec === 'h264' ? H264_LEVELS : HEVC_LEVELS;
    if (r.maxLevel !== null && !levels.includes(r.maxLevel))
      add(`${at}.maxLevel`, `"${r.maxLevel}" is not an ${r.codec === 'h264' ? 'H.264' : 'HEVC'} level (${levels.join(', ')})`);
    // The planner raises rates ×1.5 above 31 fps (rung-plan.ts): check what it would ask for.
    const f = t.maxFrameRate > 31 ? 1.5 : 1;
    const need = levelNeeded(r.codec, r.profile, r.width, r.height, t.maxFrameRate, r.rate.maxrateKbps * f, r.rate.bufsizeKbps * f);
    if (need === null)
      add(
        `${at}`,
        `${r.width}x${r.height} at ${t.maxFrameRate} fps and ${r.rate.maxrateKbps} kbit/s is beyond every ${r.codec === 'h264' ? 'H.264' : 'HEVC'} level`,
      );
    else if (r.maxLevel !== null && levels.includes(r.maxLevel) && levelAbove(need, r.maxLevel))
      add(
        `${at}.maxLevel`,
        `${r.width}x${r.height} at ${t.maxFrameRate} fps and ${r.rate.maxrateKbps} kbit/s needs level ${need}, above the cap ${r.maxLevel}`,
      );
  });
  const audio = t.audio;
  if (audio.select.by === 'language') {
    audio.select.languages.forEach((l, i) => {
      if (!isLanguageCode(l)) add(`audio.select.languages.${i}`, `"${l}" is not a language code (ISO 639 or BCP 47, e.g. en, eng, pt-BR)`);
    });
    if (new Set(audio.select.languages).size !== audio.select.languages.length) add('audio.select.languages', 'a language is listed twice');
  }
  if (audio.select.by === 'index' && new Set(audio.select.tracks).size !== audio.select.tracks.length) add('audio.select.tracks', 'a track is listed twice');
  if (new Set(t.packaging).size !== t.packaging.length) add('packaging', 'a format is listed twice');
  return problems;
}

function levelNeeded(codec: string, profile: string, width: number, height: number, fps: number, maxrateKbps: number, bufsizeKbps: number): string | null {
  if (codec === 'hevc') return hevcLevel({ width, height, fps, maxrateKbps, bufsizeKbps });
  try {
    return h264Level({ width, height, fps, maxrateKbps, bufsizeKbps, profile: profile === 'high' ? 'high' : profile === 'baseline' ? 'baseline' : 'main' });
  } catch {
    return null;
  }
}
