import { useState } from 'preact/hooks';
import { api, CSRF, errorOf, may, type JobDetail, type JobList, type LadderDetail, type LadderList, type Me, type UploadResult } from '../api';
import { ErrorBox, Loading, ProgressBar } from '../components/bits';
import { useLoad } from '../components/use-load';
import { bytes, time } from '../format';
import { packagingText, partialText, rungSummary } from '../ladder-summary';
import { ladderHref } from './ladder-links';

/** Streams the file to `PUT /api/v1/inputs/{name}` (the browser reads it from disk as it sends). */
function upload(file: File, onProgress: (sent: number) => void): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/api/v1/inputs/${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    for (const [k, v] of Object.entries(CSRF)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('the upload was interrupted'));
    xhr.onload = async () => {
      const res = new Response(xhr.responseText, { status: xhr.status });
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as UploadResult);
      else reject(await errorOf(res));
    };
    xhr.send(file);
  });
}

/** `#/submit?ladder=NAME&version=N`: a template (and version) chosen on its page. */
function preset(): { ladder: string; version: string } {
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  return { ladder: q.get('ladder') ?? '', version: /^\d+$/.test(q.get('version') ?? '') ? q.get('version')! : '' };
}

export function SubmitPage({ me }: { me: Me }) {
  const ladders = useLoad(() => api<LadderList>('/ladders'), []);
  const recent = useLoad(() => api<JobList>('/jobs?limit=100'), []);
  const [source, setSource] = useState<'upload' | 'existing'>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [key, setKey] = useState('');
  const [ladder, setLadder] = useState(() => preset().ladder);
  /** '' is the latest version, pinned by the appliance at submission. */
  const [version, setVersion] = useState(() => preset().version);
  /** null: the template's packaging, until the operator ticks a box. */
  const [packChoice, setPackChoice] = useState<{ hls: boolean; dash: boolean } | null>(null);
  const [policy, setPolicy] = useState<'template' | 'wait' | 'emit'>('template');
  const [sent, setSent] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  if (!may.write(me.role)) return <ErrorBox error={{ code: 'FORBIDDEN', message: `your role (${me.role}) may not submit jobs` }} />;
  const keys = [...new Set((recent.data?.items ?? []).map((j) => j.input.key))];
  const items = ladders.data?.items ?? [];
  const chosenLadder = ladder || items.find((l) => l.name === 'professional')?.name || items[0]?.name || '';
  const template = items.find((l) => l.name === chosenLadder);
  const { hls, dash } = packChoice ?? {
    hls: template?.template.packaging.includes('hls') ?? true,
    dash: template?.template.packaging.includes('dash') ?? true,
  };
  const pack = (f: 'hls' | 'dash', on: boolean) => setPackChoice({ hls, dash, [f]: on });

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const packaging = [...(hls ? ['hls'] : []), ...(dash ? ['dash'] : [])];
    if (packaging.length === 0) return setError({ code: 'VALIDATION_FAILED', message: 'choose HLS, DASH or both' });
    if (source === 'upload' && !file) return setError({ code: 'VALIDATION_FAILED', message: 'choose a file to upload' });
    if (source === 'existing' && !key.trim()) return setError({ code: 'VALIDATION_FAILED', message: 'give an input key' });
    setBusy(true);
    try {
      let inputKey = key.trim();
      if (source === 'upload' && file) {
        setSent(0);
        inputKey = (await upload(file, setSent)).key;
      }
      const job = await api<JobDetail>('/jobs', {
        method: 'POST',
        body: {
          input: { key: inputKey },
          ladder: chosenLadder,
          ...(version ? { ladderVersion: Number(version) } : {}),
          packaging,
          ...(policy !== 'template' ? { policy: { partialLadder: policy } } : {}),
        },
      });
      location.hash = `#/jobs?submitted=${job.id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Submit a job</h1>
      <form class="card form" onSubmit={submit} aria-label="Submit a job">
        <fieldset>
          <legend>Master</legend>
          <label class="inline">
            <input type="radio" name="source" checked={source === 'upload'} onChange={() => setSource('upload')} /> Upload a file
          </label>
          <label class="inline">
            <input type="radio" name="source" checked={source === 'existing'} onChange={() => setSource('existing')} /> An input already on the appliance
          </label>
          {source === 'upload' ? (
            <>
              <label for="file">File</label>
              <input id="file" type="file" accept="video/*,.mov,.mxf,.mp4,.mkv,.ts" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
              {file && <p class="small muted">{bytes(file.size)}: streamed to the input bucket, its sha256 computed on the way.</p>}
              {sent !== null && file && <ProgressBar value={file.size ? sent / file.size : 1} label="Upload progress" />}
            </>
          ) : (
            <>
              <label for="key">Input key</label>
              <input id="key" list="input-keys" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="e.g. master.mov" />
              <datalist id="input-keys">
                {keys.map((k) => (
                  <option key={k} value={k} />
                ))}
              </datalist>
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>Output</legend>
          <label for="ladder">Ladder template</label>
          {ladders.error !== undefined ? (
            <ErrorBox error={ladders.error} retry={ladders.reload} />
          ) : !ladders.data ? (
            <Loading what="ladders" />
          ) : (
            <>
              <select
                id="ladder"
                value={chosenLadder}
                onChange={(e) => {
                  setLadder(e.currentTarget.value);
                  setVersion('');
                  setPackChoice(null);
                }}
              >
                {items.map((l) => (
                  <option key={l.name} value={l.name}>
                    {l.name}
                    {l.builtin ? ' (built in)' : ''}: {rungSummary(l.template)}
                  </option>
                ))}
              </select>
              {template && <LadderVersionPick key={template.name} name={template.name} latest={template.version} value={version} onChange={setVersion} />}
              {template && (
                <p class="small muted">
                  {template.template.description || rungSummary(template.template)} · packaging {packagingText(template.template.packaging)} ·{' '}
                  <a href={ladderHref(template.name, version ? Number(version) : undefined)}>view the template</a>
                </p>
              )}
            </>
          )}
          <span class="label">Packaging</span>
          <label class="inline">
            <input type="checkbox" checked={hls} onChange={(e) => pack('hls', e.currentTarget.checked)} /> HLS
          </label>
          <label class="inline">
            <input type="checkbox" checked={dash} onChange={(e) => pack('dash', e.currentTarget.checked)} /> DASH
          </label>
          <span class="label">If a rung fails after its retries</span>
          <label class="inline">
            <input type="radio" name="policy" checked={policy === 'template'} onChange={() => setPolicy('template')} /> as the template says (
            {partialText(template?.template.partialLadder ?? null)})
          </label>
          <label class="inline">
            <input type="radio" name="policy" checked={policy === 'wait'} onChange={() => setPolicy('wait')} /> fail the job (wait)
          </label>
          <label class="inline">
            <input type="radio" name="policy" checked={policy === 'emit'} onChange={() => setPolicy('emit')} /> package the rest, flag it (emit)
          </label>
        </fieldset>
        {error !== undefined && <ErrorBox error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? (sent !== null && file && sent < file.size ? 'Uploading…' : 'Submitting…') : 'Submit'}
        </button>
      </form>
    </>
  );
}

/** The versions of one template; '' (the default) is the latest, pinned when the job is submitted. */
function LadderVersionPick({ name, latest, value, onChange }: { name: string; latest: number; value: string; onChange: (v: string) => void }) {
  const detail = useLoad(() => api<LadderDetail>(`/ladders/${encodeURIComponent(name)}`), [name]);
  const versions = [...(detail.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  return (
    <>
      <label for="ladder-version">Template version</label>
      <select id="ladder-version" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">latest (v{detail.data?.version ?? latest})</option>
        {versions.map((v) => (
          <option key={v.version} value={String(v.version)}>
            v{v.version} · {time(v.createdAt)} · {v.createdBy}
          </option>
        ))}
        {value && !versions.some((v) => String(v.version) === value) && <option value={value}>v{value}</option>}
      </select>
    </>
  );
}
