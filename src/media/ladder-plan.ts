import type { MediaInfo } from './media-info.js';
import type { LadderTemplate, RateControl, TemplateRung } from './ladder-template.js';
import type { LadderPlan, OutputRange } from './plan-types.js';
import { planAudio } from './audio-plan.js';
import { planCaptions, type CaptionInput } from './caption-plan.js';
import { outputFrameRate } from './frame-rate.js';
import { mediaRejectedError } from './media-errors.js';
import { rational, toNumber } from './rational.js';
import { planRungs } from './rung-plan.js';

export interface PlanOptions {
  /** The template's version (the job's pin); 1 for a built-in template. */
  version?: number;
  /** Caption files given with the job. */
  captions?: readonly CaptionInput[];
}

export type { CaptionInput, RateControl, TemplateRung };
export type { AudioCodec, AudioPlan, CaptionPlan, CaptionSource, LadderPlan, OutputRange, VideoRungPlan } from './plan-types.js';

/**
 * Plans the renditions of one master from a template: which rungs (never above the source),
 * their exact sizes, rates, levels and dynamic range, the shared frame rate and GOP, one
 * audio rendition per selected track (and group), and the caption tracks. A master the
 * template cannot serve is a 422 with a stable code (media-errors.ts), never a guess.
 */
export function planLadder(info: MediaInfo, template: LadderTemplate, options: PlanOptions = {}): LadderPlan {
  const video = info.video;
  if (!video) throw mediaRejectedError([{ code: info.audio.length ? 'MEDIA_AUDIO_ONLY' : 'MEDIA_NO_VIDEO', message: 'the file has no video stream' }]);
  if (video.width <= 0 || video.height <= 0) throw mediaRejectedError([{ code: 'MEDIA_RESOLUTION_TOO_SMALL', message: 'the video stream has no frame size' }]);
  const notes: string[] = [];

  // Display geometry: square pixels (SAR applied to the width), then rotation.
  const swap = video.rotation === 90 || video.rotation === 270;
  const squareWidth = (video.width * video.sar.num) / video.sar.den;
  const W = swap ? video.height : squareWidth;
  const H = swap ? squareWidth : video.height;
  const displayAspect = swap
    ? rational(video.height * video.sar.den, video.width * video.sar.num)
    : rational(video.width * video.sar.num, video.height * video.sar.den);
  if (video.sar.num !== video.sar.den)
    notes.push(`anamorphic source (SAR ${video.sar.num}:${video.sar.den}): output has square pixels at ${Math.round(W)}x${Math.round(H)} display size`);
  if (video.rotation !== 0) notes.push(`source is rotated ${video.rotation}° for display: planned as ${Math.round(W)}x${Math.round(H)}`);

  const { frameRate, variable } = outputFrameRate(video, template.maxFrameRate, notes);
  const sourceRange: OutputRange = video.color.transfer === 'smpte2084' ? 'pq' : video.color.transfer === 'arib-std-b67' ? 'hlg' : 'sdr';
  const rungs = planRungs({ template, W, H, displayAspect, fps: toNumber(frameRate), sourceRange, hdrMetadata: video.hdrMetadata }, notes);
  const audio = planAudio(info, template.audio, notes);
  if (audio.length === 0) notes.push('no audio rendition: video-only ladder');
  const captions = planCaptions(info, template.captions, options.captions ?? [], notes);

  return {
    ladder: { name: template.name, version: options.version ?? 1 },
    videoStreamIndex: video.index,
    durationSeconds: info.container.durationSeconds ?? video.durationSeconds,
    sourceWidth: Math.round(W),
    sourceHeight: Math.round(H),
    sourceRange,
    displayAspect,
    frameRate,
    gopSeconds: template.gopSeconds,
    gopFrames: Math.ceil(template.gopSeconds * toNumber(frameRate) - 1e-9),
    bFrames: template.bFrames,
    encoderPreset: template.encoderPreset,
    deinterlace: video.interlaced,
    parity: video.fieldOrder === 'tt' || video.fieldOrder === 'tb' ? 'tff' : video.fieldOrder === 'bb' || video.fieldOrder === 'bt' ? 'bff' : 'auto',
    fromVariableFrameRate: variable,
    rungs,
    audio,
    captions,
    dashCaptionFormat: template.captions.dashFormat,
    invalidCaptions: template.captions.invalid,
    notes,
  };
}

/** Every rendition name of a plan, in encode order: rungs, then audio. */
export function renditionNames(plan: LadderPlan): string[] {
  return [...plan.rungs.map((r) => r.name), ...plan.audio.map((a) => a.name)];
}
