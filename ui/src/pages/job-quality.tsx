// The quality gate's figures per video rendition (measured against the master before
// packaging, docs/quality.md): PSNR, SSIM and XPSNR mean and min, the worst segment, the
// sample, the thresholds and whether the rung passed.
import type { JobDetail } from '../api';
import { Empty, TableHead } from '../components/bits';
import { METRICS, sampleText, thresholdsText, worstText } from '../job-figures';

type Quality = JobDetail['quality'][number];

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
