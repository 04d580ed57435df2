import type { QualityMetricName, TemplateQuality } from './ladder-template.js';
import type { QualityFigures, QualityMetric } from './quality-figures.js';
import type { QualitySample } from './quality-sample.js';

/** The gate when a template has none: measured on 3 segments, never gated. */
export const DEFAULT_QUALITY: TemplateQuality = Object.freeze({
  sample: Object.freeze({ segments: 3 }),
  thresholds: Object.freeze({}),
  onBelow: 'fail' as const,
});

/** One video rendition's figures and the gate's verdict: what the job record, the audit trail and the bundle carry. */
export interface RenditionQuality {
  rendition: string;
  psnr: QualityMetric | null;
  ssim: QualityMetric | null;
  xpsnr: QualityMetric | null;
  frames: number;
  sampledSeconds: number;
  sample: TemplateQuality['sample'];
  thresholds: TemplateQuality['thresholds'];
  passed: boolean;
  /** Metrics whose mean is under their threshold. */
  below: QualityMetricName[];
}

/** The template's sample as the measuring stage takes it. */
export function qualitySampleOf(quality: TemplateQuality): QualitySample {
  return quality.sample === 'all' ? { kind: 'all' } : { kind: 'segments', count: quality.sample.segments };
}

/**
 * Pure: holds a rendition's figures to the template's thresholds (means). A threshold on
 * XPSNR where the image could not measure it is not met: the gate never passes on a figure
 * it does not have.
 */
export function qualityVerdict(rendition: string, figures: QualityFigures, quality: TemplateQuality): RenditionQuality {
  const below: QualityMetricName[] = [];
  for (const metric of ['psnr', 'ssim', 'xpsnr'] as const) {
    const min = quality.thresholds[metric];
    if (min === undefined) continue;
    const m = figures[metric];
    if (!m || m.mean < min) below.push(metric);
  }
  return {
    rendition,
    psnr: figures.psnr,
    ssim: figures.ssim,
    xpsnr: figures.xpsnr,
    frames: figures.frames,
    sampledSeconds: figures.sampledSeconds,
    sample: quality.sample,
    thresholds: { ...quality.thresholds },
    passed: below.length === 0,
    below,
  };
}
