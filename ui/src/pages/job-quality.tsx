// The quality gate's figures per video rendition (measured against the master before
// packaging, docs/quality.md): PSNR, SSIM and XPSNR mean and min, the worst segment, the
// sample, the thresholds and whether the rung passed.
import type { JobDetail } from '../api';
import { Empty, TableHead } from '../components/bits';
import { clock } from '../format';

type Quality = JobDetail['quality'][number];
type MetricName = Quality['below'][number];
type Metric = NonNullable<Quality['psnr']>;

const METRICS: readonly { key: MetricName; label: string; unit: string; digits: number }[] = [
  { key: 'psnr', label: 'PSNR', unit: ' dB', digits: 2 },
  { key: 'ssim', label: 'SSIM', unit: '', digits: 4 },
  { key: 'xpsnr', label: 'XPSNR', unit: ' dB', digits: 2 },
];

export const sampleText = (s: Quality['sample']) => (s === 'all' ? 'whole programme' : `${s.segments} segment${s.segments === 1 ? '' : 's'}`);

/** "PSNR ≥ 20 dB · SSIM ≥ 0.9", or "not gated". */
export function thresholdsText(t: Quality['thresholds']): string {
  const parts = METRICS.filter((m) => t[m.key] !== undefined).map((m) => `${m.label} ≥ ${t[m.key]}${m.unit}`);
  return parts.length ? parts.join(' · ') : 'not gated';
}

/** The start of the worst sampled segment: one time when the metrics agree, else one per metric. */
export function worstText(q: Quality): string {
  const worst = METRICS.flatMap((m) => {
    const v: Metric | null = q[m.key];
    return v ? [{ label: m.label, at: v.worstSegmentSeconds }] : [];
  });
  if (worst.length === 0) return '—';
  if (worst.every((w) => w.at === worst[0]!.at)) return clock(worst[0]!.at);
  return worst.map((w) => `${w.label} ${clock(w.at)}`).join(' · ');
}

function MetricCell({ q, m }: { q: Quality; m: (typeof METRICS)[number] }) {
  const v = q[m.key];
  if (!v) return <td class="muted">not measured</td>;
  const below = q.below.includes(m.key);
  return (
    <td class={below ? 'err-text' : undefined} data-metric={m.key} data-mean={v.mean}>
      <span class="num">{v.mean.toFixed(m.digits)}</span> <span class="muted small">min {v.min.toFixed(m.digits)}</span>
    </td>
  );
}

export function QualityTable({ quality }: { quality: JobDetail['quality'] }) {
  if (quality.length === 0) return <Empty>Not measured yet: each video rendition is measured against the master before packaging.</Empty>;
  return (
    <table class="compact quality" aria-label="Quality per rendition">
      <TableHead
        columns={['rendition', 'PSNR (dB) mean / min', 'SSIM mean / min', 'XPSNR (dB) mean / min', 'worst segment', 'sample', 'thresholds', 'result']}
      />
      <tbody>
        {quality.map((q) => (
          <tr key={q.rendition} data-rendition={q.rendition} data-passed={String(q.passed)}>
            <th scope="row" class="mono">
              {q.rendition}
            </th>
            {METRICS.map((m) => (
              <MetricCell key={m.key} q={q} m={m} />
            ))}
            <td>{worstText(q)}</td>
            <td>
              {sampleText(q.sample)}{' '}
              <span class="muted small">
                ({Math.round(q.sampledSeconds * 10) / 10} s, {q.frames} frames)
              </span>
            </td>
            <td>{thresholdsText(q.thresholds)}</td>
            <td>
              {q.passed ? (
                <span class="badge state-succeeded">pass</span>
              ) : (
                <span class="badge state-failed" title="metrics whose mean is under their threshold">
                  below: {q.below.map((b) => METRICS.find((m) => m.key === b)?.label ?? b).join(', ')}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
