// Ladder templates: the list (latest version of each), one template's version in full with its
// versions and a field-level diff between two of them, and the routes to the editor.
// Routes: #/ladders, #/ladders/NAME[/versions/N][/copy|/edit][?saved=1|?unchanged=1].
import { useState } from 'preact/hooks';
import { api, may, type LadderDetail, type LadderList, type LadderTemplate, type LadderVersionView, type Me } from '../api';
import { Empty, ErrorBox, Loaded, Loading, Section, TableHead } from '../components/bits';
import { useLoad } from '../components/use-load';
import { shortHash, time } from '../format';
import { diffJson, showValue } from '../ladder-diff';
import {
  acceptedText,
  audioSummary,
  codecName,
  inSchemaOrder,
  loudnessText,
  packagingText,
  partialText,
  qualityText,
  rateText,
  rungSummary,
  selectionText,
  surroundText,
} from '../ladder-summary';
import { LadderEditor } from './ladder-editor';
import { ladderHref } from './ladder-links';

const enc = encodeURIComponent;

/** The ladders part of the hash router. */
export function LaddersRoute({ path, me }: { path: string; me: Me }) {
  const [route, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  const m = /^\/ladders\/([a-z0-9_-]+)(?:\/versions\/(\d+))?(?:\/(copy|edit))?\/?$/.exec(route ?? '');
  if (!m?.[1]) return <LaddersPage me={me} />;
  const name = m[1];
  const version = m[2] !== undefined ? Number(m[2]) : undefined;
  if (m[3] === 'copy' || m[3] === 'edit')
    return <LadderEditor key={path} me={me} mode={m[3] === 'copy' ? 'create' : 'version'} from={name} version={version} />;
  return <LadderPage key={path} me={me} name={name} version={version} saved={params.has('saved') ? 'saved' : params.has('unchanged') ? 'unchanged' : null} />;
}

export function BuiltinBadge() {
  return (
    <span class="badge builtin" title="Built into the appliance: read-only; copy it to change it">
      built in
    </span>
  );
}

export function LaddersPage({ me }: { me: Me }) {
  const list = useLoad(() => api<LadderList>('/ladders'), []);
  const canWrite = may.write(me.role);
  return (
    <>
      <h1>Ladders</h1>
      <p class="muted">
        Ladder templates: named, versioned. A job pins the exact version it ran with; a change is a new version.{' '}
        {canWrite && 'Copy any template to make your own.'}
      </p>
      <Section title="Ladder templates">
        <Loaded load={list} what="ladder templates" isEmpty={(d) => d.items.length === 0} empty="No ladder templates.">
          {(d) => (
            <table class="compact">
              <TableHead columns={['template', 'version', 'video', 'audio', 'packaging', 'created', ...(canWrite ? ['actions'] : [])]} />
              <tbody>
                {d.items.map((l) => (
                  <tr key={l.name} data-ladder={l.name}>
                    <td>
                      <a href={ladderHref(l.name)} class="mono">
                        {l.name}
                      </a>{' '}
                      {l.builtin && <BuiltinBadge />}
                      {l.template.description && <div class="small muted">{l.template.description}</div>}
                    </td>
                    <td>v{l.version}</td>
                    <td class="small">{rungSummary(l.template)}</td>
                    <td class="small">{audioSummary(l.template.audio)}</td>
                    <td>{packagingText(l.template.packaging)}</td>
                    <td class="small nowrap">
                      {l.builtin ? 'built in' : time(l.createdAt)}
                      <div class="muted">{l.createdBy}</div>
                    </td>
                    {canWrite && (
                      <td>
                        <div class="buttons">
                          <a class="button secondary" href={ladderHref(l.name, l.version, 'copy')} aria-label={`Copy ${l.name}`}>
                            Copy
                          </a>
                          {!l.builtin && (
                            <a class="button secondary" href={ladderHref(l.name, l.version, 'edit')} aria-label={`New version of ${l.name}`}>
                              New version
                            </a>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Section>
    </>
  );
}

function RungsTable({ t }: { t: LadderTemplate }) {
  return (
    <table class="compact" aria-label="Rungs">
      <TableHead columns={['rung', 'codec / profile', 'box', 'rate', 'max level', 'range']} />
      <tbody>
        {t.rungs.map((r) => (
          <tr key={r.name} data-rung={r.name}>
            <td class="mono">{r.name}</td>
            <td>
              {codecName(r.codec)} {r.profile}
            </td>
            <td class="nowrap">
              {r.width}×{r.height}
            </td>
            <td class="small">{rateText(r.rate)}</td>
            <td>{r.maxLevel ?? <span class="muted">any</span>}</td>
            <td>
              <span class={`badge range-${r.range}`}>{r.range}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A template's settings beside its rungs: video, audio, captions, delivery. */
export function TemplateSettings({ t }: { t: LadderTemplate }) {
  const accepted = acceptedText(t.acceptedFormats);
  return (
    <div class="grid-2">
      <Section title="Video">
        <dl class="kv">
          <dt>GOP / segment</dt>
          <dd>{t.gopSeconds} s, closed</dd>
          <dt>B-frames</dt>
          <dd>{t.bFrames}</dd>
          <dt>encoder preset</dt>
          <dd>{t.encoderPreset ?? 'medium'} (x264/x265)</dd>
          <dt>max frame rate</dt>
          <dd>{t.maxFrameRate} fps</dd>
          <dt>SDR rungs from an HDR master</dt>
          <dd>{t.hdr.sdrRungFromHdrMaster === 'tonemap' ? 'tone-map to SDR' : 'refuse the job'}</dd>
          <dt>HDR rungs on an SDR master</dt>
          <dd>{{ refuse: 'refuse the job', skip: 'skip those rungs', sdr: 'encode them SDR' }[t.hdr.hdrRungOnSdrMaster]}</dd>
        </dl>
      </Section>
      <Section title="Audio">
        <dl class="kv">
          <dt>selection</dt>
          <dd>{selectionText(t.audio.select)}</dd>
          <dt>a selected track missing</dt>
          <dd>{t.audio.missing === 'refuse' ? 'refuse the job' : 'go on without it'}</dd>
          <dt>stereo</dt>
          <dd>AAC-LC {t.audio.stereo.bitrateKbps} kb/s</dd>
          <dt>surround</dt>
          <dd>{surroundText(t.audio.surround)}</dd>
          <dt>loudness</dt>
          <dd>{loudnessText(t.audio.loudness)}</dd>
        </dl>
      </Section>
      <Section title="Captions">
        <dl class="kv">
          <dt>sidecars and text streams</dt>
          <dd>{t.captions.sidecars ? 'packaged' : 'ignored'}</dd>
          <dt>embedded CEA-608/708</dt>
          <dd>{t.captions.embedded === 'extract' ? 'extracted as WebVTT' : 'ignored'}</dd>
          <dt>DASH captions</dt>
          <dd>{t.captions.dashFormat === 'webvtt' ? 'WebVTT' : 'IMSC1 (TTML)'} (HLS: WebVTT)</dd>
          <dt>an unusable caption file</dt>
          <dd>{t.captions.invalid === 'refuse' ? 'refuse the job' : 'leave it out (audited)'}</dd>
        </dl>
      </Section>
      <Section title="Delivery">
        <dl class="kv">
          <dt>packaging</dt>
          <dd>{packagingText(t.packaging)}</dd>
          <dt>partial ladder</dt>
          <dd>{partialText(t.partialLadder)}</dd>
          <dt>quality gate</dt>
          <dd>{qualityText(t.quality)}</dd>
          <dt>accepted formats</dt>
          <dd>{accepted.length ? accepted.join(' · ') : 'the appliance policy'}</dd>
        </dl>
      </Section>
    </div>
  );
}

type Versions = LadderDetail['versions'];

function VersionsTable({ name, versions, shown, builtin }: { name: string; versions: Versions; shown: number; builtin: boolean }) {
  return (
    <table class="compact" aria-label="Versions">
      <TableHead columns={['version', 'sha256', 'created by', 'created']} />
      <tbody>
        {versions.map((v) => (
          <tr key={v.version} data-version={v.version} class={v.version === shown ? 'current' : undefined}>
            <td>
              {v.version === shown ? (
                <strong aria-current="page">v{v.version} (shown)</strong>
              ) : (
                <a href={ladderHref(name, v.version)} aria-label={`View version ${v.version}`}>
                  v{v.version}
                </a>
              )}
            </td>
            <td class="mono small" title={v.sha256}>
              {shortHash(v.sha256, 16)}
            </td>
            <td>{v.createdBy}</td>
            <td>{builtin ? 'built in' : time(v.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Two versions of one template side by side, field by field. */
function CompareVersions({ name, versions }: { name: string; versions: Versions }) {
  const latest = versions[versions.length - 1]!.version;
  const [from, setFrom] = useState(versions[versions.length - 2]?.version ?? latest);
  const [to, setTo] = useState(latest);
  const pair = useLoad(() => Promise.all([from, to].map((v) => api<LadderVersionView>(`/ladders/${enc(name)}/versions/${v}`))), [name, from, to]);
  const pick = (label: string, value: number, set: (v: number) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version} · {time(v.createdAt)}
          </option>
        ))}
      </select>
    </label>
  );
  const changes = pair.data ? diffJson(inSchemaOrder(pair.data[0]!.template), inSchemaOrder(pair.data[1]!.template)) : [];
  return (
    <>
      <div class="row-form" role="group" aria-label="Versions to compare">
        {pick('From version', from, setFrom)}
        {pick('To version', to, setTo)}
      </div>
      {pair.error !== undefined ? (
        <ErrorBox error={pair.error} retry={pair.reload} />
      ) : !pair.data || pair.loading ? (
        <Loading what="both versions" />
      ) : changes.length === 0 ? (
        <Empty>{from === to ? 'The same version twice: pick two.' : `v${from} and v${to} are the same template.`}</Empty>
      ) : (
        <table class="compact diff" aria-label={`Changes from v${from} to v${to}`}>
          <caption class="small muted">
            {changes.length} field{changes.length === 1 ? '' : 's'} changed from v{from} to v{to}
          </caption>
          <TableHead columns={['field', `v${from}`, `v${to}`]} />
          <tbody>
            {changes.map((c) => (
              <tr key={c.path} data-path={c.path} class={`diff-${c.kind}`}>
                <td class="mono">
                  {c.path}
                  {c.kind !== 'changed' && <span class="small muted"> ({c.kind})</span>}
                </td>
                <td class="mono small before">{showValue(c.before)}</td>
                <td class="mono small after">{showValue(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function LadderPage({ me, name, version, saved }: { me: Me; name: string; version: number | undefined; saved: 'saved' | 'unchanged' | null }) {
  const detail = useLoad(() => api<LadderDetail>(`/ladders/${enc(name)}`), [name]);
  const exact = useLoad(
    () => (version === undefined ? Promise.resolve(null) : api<LadderVersionView>(`/ladders/${enc(name)}/versions/${version}`)),
    [name, version],
  );
  const error = detail.error ?? exact.error;
  if (error !== undefined) {
    return (
      <>
        <h1>Ladder template {name}</h1>
        <ErrorBox error={error} retry={() => (detail.reload(), exact.reload())} />
        <p>
          <a href="#/ladders">Back to ladders</a>
        </p>
      </>
    );
  }
  if (!detail.data || exact.data === undefined) return <Loading what={`ladder template ${name}`} />;
  const d = detail.data;
  const view: LadderVersionView = exact.data ?? d;
  const versions = [...d.versions].sort((a, b) => a.version - b.version);
  const latest = d.version;
  const t = view.template;
  const canWrite = may.write(me.role);
  return (
    <>
      <div class="page-head">
        <h1>
          Ladder template <span class="mono">{name}</span>
        </h1>
        <span class="badge version" data-version={view.version}>
          v{view.version}
        </span>
        {view.builtin && <BuiltinBadge />}
        {view.version === latest ? <span class="muted">latest</span> : <span class="warn-text">an older version (latest v{latest})</span>}
      </div>
      {saved && (
        <div class="notice" role="status">
          {saved === 'saved' ? `Saved: ${name} version ${view.version}.` : `Nothing changed: ${name} stays at version ${view.version}.`}
        </div>
      )}
      <div class="actions">
        {canWrite && (
          <a class="button" href={ladderHref(name, view.version, 'copy')}>
            Copy to a new template
          </a>
        )}
        {canWrite && !view.builtin && (
          <a class="button secondary" href={ladderHref(name, view.version, 'edit')}>
            {view.version === latest ? 'New version' : `New version from v${view.version}`}
          </a>
        )}
        {canWrite && (
          <a class="button secondary" href={`#/submit?ladder=${enc(name)}${view.version === latest ? '' : `&version=${view.version}`}`}>
            Submit a job with it
          </a>
        )}
        <a href="#/ladders">All templates</a>
      </div>
      <Section title="Template">
        <dl class="kv">
          <dt>description</dt>
          <dd>{t.description || <span class="muted">none</span>}</dd>
          <dt>summary</dt>
          <dd>{rungSummary(t)}</dd>
          <dt>version</dt>
          <dd>
            v{view.version} {view.builtin ? '(built in, read-only)' : `by ${view.createdBy} at ${time(view.createdAt)}`}
          </dd>
          <dt>sha256</dt>
          <dd class="mono small">{view.sha256}</dd>
        </dl>
      </Section>
      <Section title="Rungs">
        <RungsTable t={t} />
      </Section>
      <TemplateSettings t={t} />
      <Section title="Versions">
        <VersionsTable name={name} versions={versions} shown={view.version} builtin={view.builtin} />
      </Section>
      <Section title="Compare versions">
        {versions.length < 2 ? <Empty>Only one version so far: nothing to compare.</Empty> : <CompareVersions name={name} versions={versions} />}
      </Section>
    </>
  );
}
