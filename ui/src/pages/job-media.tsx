// What the audit trail says of the input (MediaInfo from ffprobe) and of the ladder plan.
import type { AuditEvent } from '../api';
import { Empty, TableHead } from '../components/bits';
import { bytes, duration } from '../format';
import { planOf, probeOf, rate } from './job-audit';

export function MediaInfo({ events }: { events: AuditEvent[] }) {
  const probe = probeOf(events);
  if (!probe) return <Empty>Not probed yet.</Empty>;
  const f = probe.ffprobe.format ?? {};
  return (
    <>
      <dl class="kv">
        <dt>container</dt>
        <dd>{f.format_long_name ?? f.format_name ?? '—'}</dd>
        <dt>duration</dt>
        <dd>{f.duration ? duration(Number(f.duration)) : '—'}</dd>
        <dt>size</dt>
        <dd>{f.size ? bytes(Number(f.size)) : '—'}</dd>
        <dt>bit rate</dt>
        <dd>{f.bit_rate ? `${(Number(f.bit_rate) / 1e6).toFixed(2)} Mb/s` : '—'}</dd>
        <dt>verdict</dt>
        <dd>{probe.verdict.accepted ? 'accepted' : <span class="err-text">rejected: {JSON.stringify(probe.verdict.reasons ?? [])}</span>}</dd>
      </dl>
      <table class="compact">
        <caption class="sr-only">Streams of the input</caption>
        <TableHead columns={['#', 'type', 'codec', 'details']} />
        <tbody>
          {(probe.ffprobe.streams ?? []).map((s) => (
            <tr key={s.index}>
              <td>{s.index}</td>
              <td>{s.codec_type}</td>
              <td>
                {s.codec_name}
                {s.profile ? ` (${s.profile})` : ''}
              </td>
              <td>
                {s.codec_type === 'video'
                  ? `${s.width}×${s.height} · ${s.avg_frame_rate ?? s.r_frame_rate} fps · ${s.pix_fmt ?? ''} · ${s.field_order ?? 'progressive'}`
                  : s.codec_type === 'audio'
                    ? `${s.channels} ch ${s.channel_layout ?? ''} · ${s.sample_rate} Hz${s.tags?.language ? ` · ${s.tags.language}` : ''}`
                    : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function LadderPlan({ events }: { events: AuditEvent[] }) {
  const plan = planOf(events);
  if (!plan) return <Empty>No plan yet: the ladder is planned after the probe.</Empty>;
  return (
    <>
      <p class="small">
        {plan.preset} · source {plan.sourceWidth}×{plan.sourceHeight} · {rate(plan.frameRate)} fps · GOP {plan.gopSeconds} s ({plan.gopFrames} frames) ·
        B-frames {plan.bFrames}
        {plan.deinterlace ? ' · deinterlaced' : ''}
      </p>
      <table class="compact">
        <caption class="sr-only">Planned rungs</caption>
        <TableHead columns={['rung', 'size', 'bit rate', 'max / buffer', 'profile', 'codecs']} />
        <tbody>
          {plan.rungs.map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>
                {r.width}×{r.height}
              </td>
              <td>{r.bitrateKbps} kb/s</td>
              <td>
                {r.maxrateKbps} / {r.bufsizeKbps} kb/s
              </td>
              <td>
                {r.profile} {r.level}
              </td>
              <td class="mono">{r.codecs}</td>
            </tr>
          ))}
          {plan.audio && (
            <tr>
              <td>audio</td>
              <td>
                {plan.audio.channels} ch · {plan.audio.sampleRate} Hz
              </td>
              <td>{plan.audio.bitrateKbps} kb/s</td>
              <td>—</td>
              <td>{plan.audio.codec}</td>
              <td class="mono">mp4a.40.2</td>
            </tr>
          )}
        </tbody>
      </table>
      {plan.notes.length > 0 && (
        <ul class="notes small">
          {plan.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </>
  );
}
