import type { AudioPlan } from './ladder-plan.js';
import { checkInt } from './argv-values.js';
import { mediaArgumentError } from './media-errors.js';

/**
 * The channel matrix from a source track to its rendition (2 = stereo, 6 = 5.1), as an
 * audio filter, or null when the channels pass as they are. Channels are addressed by
 * position in the WAVE/ffmpeg order (FL FR FC LFE, then the surround pairs), so a track
 * labelled "5.1(side)" or with no layout at all mixes the same as "5.1".
 *
 * Stereo (ITU-R BS.775 downmix, LFE dropped, normalised so no output can exceed full scale):
 *   mono → L = R = 0.7071·C                                          (−3 dB, as a centre channel)
 *   5.1  → L = 0.4142·FL + 0.2929·FC + 0.2929·Ls                      (1 : 0.7071 : 0.7071, ÷ 2.4142)
 *          R = 0.4142·FR + 0.2929·FC + 0.2929·Rs
 *   7.1  → L = 0.3204·FL + 0.2265·FC + 0.2265·BL + 0.2265·SL          (1 : 0.7071 × 3, ÷ 3.1213)
 *          R = 0.3204·FR + 0.2265·FC + 0.2265·BR + 0.2265·SR
 *   other counts (3, 4, 5, 7, > 8, unknown): swresample's matrix with the same levels (centre and
 *          surround −3 dB, LFE 0) and the same normalisation (`rematrix_maxval=1`).
 * 5.1: a 6-channel track is relabelled 5.1 as it is; 7.1 folds each back/side pair at 0.5 + 0.5.
 *
 * ffmpeg's own `-ac 2` is not used: measured on this image, its 5.1 → stereo takes FL at 1.0 and
 * FC at 0.7071 *without* normalising (float pipeline), so a loud 5.1 mix can clip.
 */
export function channelFilter(audio: AudioPlan): string | null {
  const source = audio.sourceChannels === null ? null : checkInt(audio.sourceChannels, 1, 64, 'source channels');
  const target = audio.channels;
  if (target !== 2 && target !== 6) throw mediaArgumentError(`audio ${audio.name}: ${String(target)} output channels (2 or 6)`);
  if (target === 2) {
    if (source === 2) return null;
    if (source === 1) return 'pan=stereo|c0=0.7071*c0|c1=0.7071*c0';
    if (source === 6) return 'pan=stereo|c0=0.4142*c0+0.2929*c2+0.2929*c4|c1=0.4142*c1+0.2929*c2+0.2929*c5';
    if (source === 8) return 'pan=stereo|c0=0.3204*c0+0.2265*c2+0.2265*c4+0.2265*c6|c1=0.3204*c1+0.2265*c2+0.2265*c5+0.2265*c7';
    return generic('stereo');
  }
  if (source !== null && source < 6) throw mediaArgumentError(`audio ${audio.name}: a 5.1 rendition from a ${source}-channel track`);
  if (source === 6) return 'pan=5.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=c4|c5=c5';
  if (source === 8) return 'pan=5.1|c0=c0|c1=c1|c2=c2|c3=c3|c4=0.5*c4+0.5*c6|c5=0.5*c5+0.5*c7';
  return generic('5.1');
}

function generic(layout: 'stereo' | '5.1'): string {
  return `aresample=ochl=${layout}:clev=0.7071:slev=0.7071:lfe_mix_level=0:rematrix_maxval=1`;
}
