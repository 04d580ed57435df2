// Cancel, retry and audit-bundle export, offered by role.
import { useState } from 'preact/hooks';
import { api, ApiError, CSRF, errorOf, may, isTerminal, type JobDetail, type Me } from '../api';

async function exportBundle(jobId: string): Promise<string> {
  const res = await fetch('/api/v1/audit/exports', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...CSRF, 'content-type': 'application/json' },
    body: JSON.stringify({ jobId }),
  });
  if (res.status === 404) {
    const err = await errorOf(res);
    if (err.code === 'NOT_FOUND')
      throw new ApiError(404, 'EXPORT_UNAVAILABLE', 'audit bundle export is not available on this appliance (POST /api/v1/audit/exports answered 404)');
    throw err;
  }
  if (!res.ok) throw await errorOf(res);
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `audit-${jobId}.tar`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export function Actions({ job, me, onDone }: { job: JobDetail; me: Me; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (what: string, fn: () => Promise<string | void>) => {
    setBusy(true);
    setMessage(null);
    try {
      const text = await fn();
      setMessage({ ok: true, text: text ?? `${what}: done` });
      onDone();
    } catch (err) {
      setMessage({ ok: false, text: `${what} failed: ${(err as Error).message}` });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const active = !isTerminal(job.state);
  return (
    <div class="actions">
      {may.write(me.role) && active && !confirming && (
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
          Cancel job
        </button>
      )}
      {confirming && (
        <span class="confirm" role="group" aria-label="Confirm cancel">
          Kill its processes and delete its intermediates?
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => run('Cancel', () => api(`/jobs/${job.id}/cancel`, { method: 'POST' }).then(() => 'Job cancelled'))}
            autofocus
          >
            Yes, cancel job
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </span>
      )}
      {may.write(me.role) && (job.state === 'failed' || job.state === 'partial') && (
        <button
          type="button"
          disabled={busy}
          onClick={() => run('Retry', () => api(`/jobs/${job.id}/retry`, { method: 'POST' }).then(() => 'Failed tasks queued again'))}
        >
          Retry failed tasks
        </button>
      )}
      {may.audit(me.role) && (
        <button type="button" class="secondary" disabled={busy} onClick={() => run('Export', async () => `Downloaded ${await exportBundle(job.id)}`)}>
          Export audit bundle
        </button>
      )}
      {message && (
        <span class={message.ok ? 'ok-text' : 'error-box'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </span>
      )}
    </div>
  );
}
