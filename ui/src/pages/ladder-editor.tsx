// The ladder template editor: a copy of any version under a new name (POST /api/v1/ladders), or a
// new version of a stored template (PUT /api/v1/ladders/{name}). A form (rungs row by row, the
// settings beside them) or the template's JSON; the appliance checks it, and each problem it
// names (`details.problems[].path`) is shown at its field, and beside the JSON at its line.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api, fieldProblems, may, type FieldProblem, type LadderDetail, type LadderTemplate, type LadderVersionView, type Me } from '../api';
import { ErrorBox, Loading, Section } from '../components/bits';
import { useLoad } from '../components/use-load';
import { spotOfPath } from '../json-lines';
import { acceptedText, inSchemaOrder } from '../ladder-summary';
import { ladderHref } from './ladder-links';

type Rung = LadderTemplate['rungs'][number];
type Audio = LadderTemplate['audio'];
type Problems = FieldProblem[];

const enc = encodeURIComponent;
const PROFILES: Record<Rung['codec'], Rung['profile'][]> = { h264: ['baseline', 'main', 'high'], hevc: ['main', 'main10'] };
const LOUDNESS: Record<'ebu-r128' | 'atsc-a85', { integratedLufs: number; truePeakDbtp: number; lra: number }> = {
  'ebu-r128': { integratedLufs: -23, truePeakDbtp: -1, lra: 7 },
  'atsc-a85': { integratedLufs: -24, truePeakDbtp: -2, lra: 7 },
};
const PRESETS: LadderTemplate['encoderPreset'][] = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
/** The rung table's number fields, as their labels read ("Rung 3 bitrate, kb/s"). */
const NUM_LABELS: Record<string, string> = {
  width: 'width',
  height: 'height',
  'rate.bitrateKbps': 'bitrate, kb/s',
  'rate.crf': 'CRF',
  'rate.maxrateKbps': 'maxrate, kb/s',
  'rate.bufsizeKbps': 'bufsize, kb/s',
};
/** What the form edits; the JSON tab holds everything else too (accepted formats). */
const FORM_KEYS = [
  'gopSeconds',
  'bFrames',
  'encoderPreset',
  'maxFrameRate',
  'rungs',
  'hdr',
  'audio',
  'captions',
  'packaging',
  'partialLadder',
  'acceptedFormats',
] as const;

/** An input's number; an emptied field is NaN (sent as null: the appliance names it). */
const num = (e: { currentTarget: { value: string } }) => (e.currentTarget.value.trim() === '' ? NaN : Number(e.currentTarget.value));
const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

function copyName(from: string): string {
  return `${from.slice(0, 59)}-copy`;
}

/** The template without name and description (the small form above holds those). */
function body(t: LadderTemplate): Omit<LadderTemplate, 'name' | 'description'> {
  const { name: _name, description: _description, ...rest } = t;
  return rest;
}

const at = (problems: Problems, path: string) => problems.filter((p) => p.path === path);
const under = (problems: Problems, path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));

/** The problems the appliance named for one field, beside it. */
function FieldProblems({ problems, path }: { problems: Problems; path: string }) {
  const mine = at(problems, path);
  if (mine.length === 0) return null;
  return (
    <span class="field-problem" data-problem-path={path}>
      {mine.map((p) => p.message).join('; ')}
    </span>
  );
}

/** A labelled control with its problems. */
function Field({ label, path, problems, children }: { label: string; path: string; problems: Problems; children: ComponentChildren }) {
  return (
    <label class={at(problems, path).length ? 'invalid' : undefined}>
      {label}
      {children}
      <FieldProblems problems={problems} path={path} />
    </label>
  );
}

function NumberField(props: { label: string; path: string; problems: Problems; value: number; onChange: (n: number) => void; step?: number }) {
  return (
    <Field label={props.label} path={props.path} problems={props.problems}>
      <input
        type="number"
        aria-label={props.label}
        step={props.step ?? 1}
        value={Number.isNaN(props.value) ? '' : props.value}
        aria-invalid={at(props.problems, props.path).length > 0}
        onInput={(e) => props.onChange(num(e))}
      />
    </Field>
  );
}

function SelectField<T extends string>(props: {
  label: string;
  path: string;
  problems: Problems;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (v: T) => void;
}) {
  return (
    <Field label={props.label} path={props.path} problems={props.problems}>
      <select
        aria-label={props.label}
        value={props.value}
        aria-invalid={at(props.problems, props.path).length > 0}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A rung with a new codec: a profile that codec takes, SDR unless HEVC. */
function withCodec(r: Rung, codec: Rung['codec']): Rung {
  const profile = PROFILES[codec].includes(r.profile) ? r.profile : codec === 'h264' ? 'high' : 'main';
  return { ...r, codec, profile, range: codec === 'h264' ? 'sdr' : r.range };
}

function withMode(r: Rung, mode: Rung['rate']['mode']): Rung {
  if (mode === r.rate.mode) return r;
  const { maxrateKbps, bufsizeKbps } = r.rate;
  return {
    ...r,
    rate:
      mode === 'crf'
        ? { mode, crf: 23, maxrateKbps, bufsizeKbps }
        : { mode, bitrateKbps: Math.max(16, Math.round(maxrateKbps / 1.2)), maxrateKbps, bufsizeKbps },
  };
}

function RungEditor({ rungs, problems, onChange }: { rungs: Rung[]; problems: Problems; onChange: (rungs: Rung[], structural?: boolean) => void }) {
  const set = (i: number, r: Rung) => onChange(rungs.map((x, j) => (j === i ? r : x)));
  const move = (i: number, d: number) => {
    const next = [...rungs];
    const [r] = next.splice(i, 1);
    next.splice(i + d, 0, r!);
    onChange(next, true);
  };
  const add = () => {
    const last = rungs[rungs.length - 1];
    let n = rungs.length + 1;
    while (rungs.some((r) => r.name === `rung-${n}`)) n++;
    const r: Rung = last
      ? { ...last, rate: { ...last.rate }, name: `rung-${n}` }
      : {
          name: `rung-${n}`,
          codec: 'h264',
          width: 1280,
          height: 720,
          rate: { mode: 'vbr', bitrateKbps: 3000, maxrateKbps: 3600, bufsizeKbps: 6000 },
          profile: 'high',
          maxLevel: null,
          range: 'sdr',
        };
    onChange([...rungs, r], true);
  };
  return (
    <>
      <table class="compact rung-editor" aria-label="Rungs (editable)">
        <thead>
          <tr>
            {['#', 'name', 'codec', 'profile', 'width', 'height', 'rate', 'bitrate / CRF', 'maxrate', 'bufsize', 'max level', 'range', ''].map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rungs.map((r, i) => {
            const p = `rungs.${i}`;
            const bad = (f: string) => at(problems, `${p}.${f}`).length > 0;
            const label = (f: string) => `Rung ${i + 1} ${f}`;
            const numInput = (f: string, value: number, change: (n: number) => void, step = 1) => (
              <input
                type="number"
                class="num"
                step={step}
                aria-label={label(NUM_LABELS[f] ?? f)}
                aria-invalid={bad(f)}
                value={Number.isNaN(value) ? '' : value}
                onInput={(e) => change(num(e))}
              />
            );
            const mine = under(problems, p);
            return [
              <tr key={`r${i}`} data-rung-row={i} class={mine.length ? 'invalid' : undefined}>
                <td class="muted">{i + 1}</td>
                <td>
                  <input
                    class="rung-name-input"
                    aria-label={label('name')}
                    aria-invalid={bad('name')}
                    value={r.name}
                    onInput={(e) => set(i, { ...r, name: e.currentTarget.value })}
                  />
                </td>
                <td>
                  <select
                    aria-label={label('codec')}
                    aria-invalid={bad('codec')}
                    value={r.codec}
                    onChange={(e) => set(i, withCodec(r, e.currentTarget.value as Rung['codec']))}
                  >
                    <option value="h264">H.264</option>
                    <option value="hevc">HEVC</option>
                  </select>
                </td>
                <td>
                  <select
                    aria-label={label('profile')}
                    aria-invalid={bad('profile')}
                    value={r.profile}
                    onChange={(e) => set(i, { ...r, profile: e.currentTarget.value as Rung['profile'] })}
                  >
                    {[...new Set([...PROFILES[r.codec], r.profile])].map((x) => (
                      <option key={x}>{x}</option>
                    ))}
                  </select>
                </td>
                <td>{numInput('width', r.width, (width) => set(i, { ...r, width }))}</td>
                <td>{numInput('height', r.height, (height) => set(i, { ...r, height }))}</td>
                <td>
                  <select
                    aria-label={label('rate control')}
                    value={r.rate.mode}
                    onChange={(e) => set(i, withMode(r, e.currentTarget.value as Rung['rate']['mode']))}
                  >
                    <option value="vbr">VBR</option>
                    <option value="crf">CRF</option>
                  </select>
                </td>
                <td>
                  {r.rate.mode === 'vbr'
                    ? numInput('rate.bitrateKbps', r.rate.bitrateKbps, (bitrateKbps) => set(i, { ...r, rate: { ...r.rate, bitrateKbps } as Rung['rate'] }))
                    : numInput('rate.crf', r.rate.crf, (crf) => set(i, { ...r, rate: { ...r.rate, crf } as Rung['rate'] }), 0.5)}
                </td>
                <td>{numInput('rate.maxrateKbps', r.rate.maxrateKbps, (maxrateKbps) => set(i, { ...r, rate: { ...r.rate, maxrateKbps } }))}</td>
                <td>{numInput('rate.bufsizeKbps', r.rate.bufsizeKbps, (bufsizeKbps) => set(i, { ...r, rate: { ...r.rate, bufsizeKbps } }))}</td>
                <td>
                  <input
                    class="level-input"
                    aria-label={label('max level')}
                    aria-invalid={bad('maxLevel')}
                    placeholder="any"
                    value={r.maxLevel ?? ''}
                    onInput={(e) => set(i, { ...r, maxLevel: e.currentTarget.value.trim() || null })}
                  />
                </td>
                <td>
                  <select
                    aria-label={label('range')}
                    aria-invalid={bad('range')}
                    value={r.range}
                    onChange={(e) => set(i, { ...r, range: e.currentTarget.value as Rung['range'] })}
                  >
                    <option value="sdr">SDR</option>
                    <option value="hdr">HDR</option>
                  </select>
                </td>
                <td class="nowrap">
                  <button type="button" class="icon" aria-label={`Move rung ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button type="button" class="icon" aria-label={`Move rung ${i + 1} down`} disabled={i === rungs.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Remove rung ${i + 1}`}
                    disabled={rungs.length === 1}
                    onClick={() =>
                      onChange(
                        rungs.filter((_, j) => j !== i),
                        true,
                      )
                    }
                  >
                    ✕
                  </button>
                </td>
              </tr>,
              mine.length > 0 && (
                <tr key={`p${i}`} class="problem-row">
                  <td />
                  <td colSpan={12}>
                    <ul class="plain">
                      {mine.map((x) => (
                        <li key={`${x.path}:${x.message}`} class="field-problem" data-problem-path={x.path}>
                          <code>{x.path.slice(p.length + 1) || `rung ${i + 1}`}</code> {x.message}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
      <FieldProblems problems={problems} path="rungs" />
      <p>
        <button type="button" class="secondary" onClick={add} disabled={rungs.length >= 16}>
          Add a rung
        </button>{' '}
        <span class="small muted">Order does not matter: the planner orders rungs by size. A rung larger than the master is left out, never upscaled.</span>
      </p>
    </>
  );
}

function AudioFields({ audio, problems, onChange }: { audio: Audio; problems: Problems; onChange: (a: Audio) => void }) {
  const sel = audio.select;
  const [text, setText] = useState(sel.by === 'language' ? sel.languages.join(', ') : sel.by === 'index' ? sel.tracks.join(', ') : '');
  const setSelect = (by: Audio['select']['by'], raw = text) => {
    const items = list(raw);
    onChange({
      ...audio,
      select: by === 'all' ? { by } : by === 'language' ? { by, languages: items } : { by, tracks: items.map(Number) },
    });
  };
  const loud = audio.loudness;
  return (
    <div class="form-grid">
      <SelectField
        label="Audio tracks"
        path="audio.select.by"
        problems={problems}
        value={sel.by}
        options={[
          ['all', 'every language of the master'],
          ['language', 'these languages'],
          ['index', 'these track positions'],
        ]}
        onChange={(by) => setSelect(by)}
      />
      {sel.by !== 'all' && (
        <Field
          label={sel.by === 'language' ? 'Languages (ISO 639 / BCP 47, comma-separated)' : 'Track positions (0-based, comma-separated)'}
          path={sel.by === 'language' ? 'audio.select.languages' : 'audio.select.tracks'}
          problems={problems}
        >
          <input
            value={text}
            aria-invalid={under(problems, 'audio.select').length > 0}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setSelect(sel.by, e.currentTarget.value);
            }}
          />
        </Field>
      )}
      <SelectField
        label="A selected track missing"
        path="audio.missing"
        problems={problems}
        value={audio.missing}
        options={[
          ['refuse', 'refuse the job'],
          ['skip', 'go on without it'],
        ]}
        onChange={(missing) => onChange({ ...audio, missing })}
      />
      <NumberField
        label="AAC stereo, kb/s"
        path="audio.stereo.bitrateKbps"
        problems={problems}
        value={audio.stereo.bitrateKbps}
        onChange={(bitrateKbps) => onChange({ ...audio, stereo: { bitrateKbps } })}
      />
      <SelectField
        label="5.1 surround"
        path="audio.surround"
        problems={problems}
        value={audio.surround?.codec ?? 'none'}
        options={[
          ['none', 'none (stereo only)'],
          ['eac3', 'E-AC-3'],
          ['ac3', 'AC-3'],
          ['aac', 'AAC'],
        ]}
        onChange={(codec) =>
          onChange({ ...audio, surround: codec === 'none' ? null : { codec, bitrateKbps: audio.surround?.bitrateKbps ?? (codec === 'aac' ? 256 : 384) } })
        }
      />
      {audio.surround && (
        <NumberField
          label="5.1 surround, kb/s"
          path="audio.surround.bitrateKbps"
          problems={problems}
          value={audio.surround.bitrateKbps}
          onChange={(bitrateKbps) => onChange({ ...audio, surround: { ...audio.surround!, bitrateKbps } })}
        />
      )}
      <SelectField
        label="Loudness"
        path="audio.loudness"
        problems={problems}
        value={loud?.standard ?? 'none'}
        options={[
          ['none', 'as mastered'],
          ['ebu-r128', 'EBU R128 (-23 LUFS, -1 dBTP)'],
          ['atsc-a85', 'ATSC A/85 (-24 LKFS, -2 dBTP)'],
          ['custom', 'custom'],
        ]}
        onChange={(standard) =>
          onChange({
            ...audio,
            loudness:
              standard === 'none'
                ? null
                : standard === 'custom'
                  ? { standard, ...(loud ? { integratedLufs: loud.integratedLufs, truePeakDbtp: loud.truePeakDbtp, lra: loud.lra } : LOUDNESS['ebu-r128']) }
                  : { standard, ...LOUDNESS[standard] },
          })
        }
      />
      {loud?.standard === 'custom' && (
        <>
          <NumberField
            label="Integrated, LUFS"
            path="audio.loudness.integratedLufs"
            problems={problems}
            step={0.1}
            value={loud.integratedLufs}
            onChange={(integratedLufs) => onChange({ ...audio, loudness: { ...loud, integratedLufs } })}
          />
          <NumberField
            label="True peak, dBTP"
            path="audio.loudness.truePeakDbtp"
            problems={problems}
            step={0.1}
            value={loud.truePeakDbtp}
            onChange={(truePeakDbtp) => onChange({ ...audio, loudness: { ...loud, truePeakDbtp } })}
          />
          <NumberField
            label="Loudness range, LU"
            path="audio.loudness.lra"
            problems={problems}
            step={0.1}
            value={loud.lra}
            onChange={(lra) => onChange({ ...audio, loudness: { ...loud, lra } })}
          />
        </>
      )}
    </div>
  );
}

/** The form's view of a template: every field but name and description. */
function TemplateForm({
  draft,
  problems,
  onChange,
}: {
  draft: LadderTemplate;
  problems: Problems;
  onChange: (t: LadderTemplate, structural?: boolean) => void;
}) {
  const up = (patch: Partial<LadderTemplate>, structural?: boolean) => onChange({ ...draft, ...patch }, structural);
  const accepted = acceptedText(draft.acceptedFormats);
  const pack = (f: 'hls' | 'dash', on: boolean) => up({ packaging: (['hls', 'dash'] as const).filter((x) => (x === f ? on : draft.packaging.includes(x))) });
  return (
    <>
      <fieldset>
        <legend>Rungs</legend>
        <RungEditor rungs={draft.rungs} problems={problems} onChange={(rungs, structural) => up({ rungs }, structural)} />
      </fieldset>
      <fieldset>
        <legend>Video</legend>
        <div class="form-grid">
          <NumberField label="GOP / segment, s" path="gopSeconds" problems={problems} value={draft.gopSeconds} onChange={(gopSeconds) => up({ gopSeconds })} />
          <NumberField label="B-frames" path="bFrames" problems={problems} value={draft.bFrames} onChange={(bFrames) => up({ bFrames })} />
          <SelectField
            label="Encoder preset (x264/x265)"
            path="encoderPreset"
            problems={problems}
            value={draft.encoderPreset}
            options={PRESETS.map((p) => [p, p === 'medium' ? 'medium (default)' : p] as const)}
            onChange={(encoderPreset) => up({ encoderPreset })}
          />
          <NumberField
            label="Max frame rate, fps"
            path="maxFrameRate"
            problems={problems}
            value={draft.maxFrameRate}
            onChange={(maxFrameRate) => up({ maxFrameRate })}
          />
          <SelectField
            label="SDR rungs from an HDR master"
            path="hdr.sdrRungFromHdrMaster"
            problems={problems}
            value={draft.hdr.sdrRungFromHdrMaster}
            options={[
              ['tonemap', 'tone-map to SDR'],
              ['refuse', 'refuse the job'],
            ]}
            onChange={(sdrRungFromHdrMaster) => up({ hdr: { ...draft.hdr, sdrRungFromHdrMaster } })}
          />
          <SelectField
            label="HDR rungs on an SDR master"
            path="hdr.hdrRungOnSdrMaster"
            problems={problems}
            value={draft.hdr.hdrRungOnSdrMaster}
            options={[
              ['skip', 'skip those rungs'],
              ['sdr', 'encode them SDR'],
              ['refuse', 'refuse the job'],
            ]}
            onChange={(hdrRungOnSdrMaster) => up({ hdr: { ...draft.hdr, hdrRungOnSdrMaster } })}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Audio</legend>
        <AudioFields audio={draft.audio} problems={problems} onChange={(audio) => up({ audio })} />
      </fieldset>
      <fieldset>
        <legend>Captions</legend>
        <div class="form-grid">
          <SelectField
            label="Sidecars and text streams"
            path="captions.sidecars"
            problems={problems}
            value={draft.captions.sidecars ? 'yes' : 'no'}
            options={[
              ['yes', 'package them'],
              ['no', 'ignore them'],
            ]}
            onChange={(v) => up({ captions: { ...draft.captions, sidecars: v === 'yes' } })}
          />
          <SelectField
            label="Embedded CEA-608/708"
            path="captions.embedded"
            problems={problems}
            value={draft.captions.embedded}
            options={[
              ['extract', 'extract as WebVTT'],
              ['ignore', 'ignore'],
            ]}
            onChange={(embedded) => up({ captions: { ...draft.captions, embedded } })}
          />
          <SelectField
            label="DASH captions"
            path="captions.dashFormat"
            problems={problems}
            value={draft.captions.dashFormat}
            options={[
              ['webvtt', 'WebVTT'],
              ['imsc1', 'IMSC1 (TTML)'],
            ]}
            onChange={(dashFormat) => up({ captions: { ...draft.captions, dashFormat } })}
          />
          <SelectField
            label="An unusable caption file"
            path="captions.invalid"
            problems={problems}
            value={draft.captions.invalid}
            options={[
              ['refuse', 'refuse the job'],
              ['skip', 'leave it out (audited)'],
            ]}
            onChange={(invalid) => up({ captions: { ...draft.captions, invalid } })}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Delivery</legend>
        <div class="form-grid">
          <Field label="Packaging" path="packaging" problems={problems}>
            <span class="checks">
              <label class="inline">
                <input type="checkbox" checked={draft.packaging.includes('hls')} onChange={(e) => pack('hls', e.currentTarget.checked)} /> HLS
              </label>
              <label class="inline">
                <input type="checkbox" checked={draft.packaging.includes('dash')} onChange={(e) => pack('dash', e.currentTarget.checked)} /> DASH
              </label>
            </span>
          </Field>
          <SelectField
            label="A rendition that fails for good"
            path="partialLadder"
            problems={problems}
            value={draft.partialLadder ?? 'default'}
            options={[
              ['default', 'the appliance default'],
              ['wait', 'fail the job (wait)'],
              ['emit', 'package the rest, flag it (emit)'],
            ]}
            onChange={(v) => up({ partialLadder: v === 'default' ? null : v })}
          />
        </div>
        <p class="small muted">
          Accepted formats: {accepted.length ? accepted.join(' · ') : 'the appliance policy'} (edit <code>acceptedFormats</code> in the JSON).
        </p>
        <FieldProblems problems={problems} path="acceptedFormats" />
      </fieldset>
    </>
  );
}

/** The appliance's answer to a refused save: its code and message, and each problem with its path (and its line in the JSON). */
function Refusal({
  error,
  problems,
  lineOf,
  goTo,
}: {
  error: unknown;
  problems: Problems;
  lineOf?: (path: string) => number | null;
  goTo?: (path: string) => void;
}) {
  const e = error as { code?: string; message?: string };
  return (
    <div class="error-box refusal" role="alert" aria-label="The appliance refused this template">
      <strong>{e.code ?? 'ERROR'}</strong> {e.message ?? String(error)}
      {problems.length > 0 && (
        <ul class="problems">
          {problems.map((p) => {
            const line = lineOf?.(p.path) ?? null;
            return (
              <li key={`${p.path}:${p.message}`} data-path={p.path}>
                <code>{p.path}</code> {p.message}
                {line !== null && (
                  <button type="button" class="link" onClick={() => goTo?.(p.path)} aria-label={`Go to line ${line} (${p.path})`}>
                    line {line}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function EditorForm({ mode, from, base, latest }: { mode: 'create' | 'version'; from: string; base: LadderVersionView; latest: number }) {
  const [draft, setDraft] = useState<LadderTemplate>(() => inSchemaOrder({ ...base.template, name: mode === 'create' ? copyName(from) : from }));
  const [tab, setTab] = useState<'form' | 'json'>('form');
  const [jsonText, setJsonText] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problems>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const change = (t: LadderTemplate, structural?: boolean) => {
    setDraft(t);
    // Rungs moved, added or removed: the problems' rung indexes no longer point where they did.
    if (structural) setProblems(problems.filter((p) => !p.path.startsWith('rungs')));
  };
  const showJson = () => {
    setJsonText(JSON.stringify(body(draft), null, 2));
    setJsonError(null);
    setTab('json');
  };
  const showForm = () => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(jsonText) as Record<string, unknown>;
    } catch (err) {
      return setJsonError(`not JSON: ${(err as Error).message}`);
    }
    const missing = FORM_KEYS.filter((k) => !(k in parsed));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return setJsonError('the template must be a JSON object');
    if (missing.length) return setJsonError(`the form needs every field; missing: ${missing.join(', ')} (or save from the JSON: the appliance fills defaults)`);
    setDraft({ ...(parsed as unknown as LadderTemplate), name: draft.name, description: draft.description });
    setJsonError(null);
    setTab('form');
  };
  /** Where a problem points in the JSON text (name and description are not in it). */
  const spot = (path: string) => (path === 'name' || path === 'description' ? null : spotOfPath(jsonText, path === '(template)' ? '' : path));
  const goTo = (path: string) => {
    const s = spot(path);
    const ta = textarea.current;
    if (!s || !ta) return;
    // The whole line (its key too), without its indentation.
    const lineStart = jsonText.lastIndexOf('\n', s.offset - 1) + 1;
    const start = lineStart + (/^\s*/.exec(jsonText.slice(lineStart))?.[0].length ?? 0);
    const end = jsonText.indexOf('\n', s.offset);
    ta.focus();
    ta.setSelectionRange(start, end < 0 ? jsonText.length : end);
    ta.scrollTop = Math.max(0, ((s.line - 4) * ta.scrollHeight) / Math.max(1, jsonText.split('\n').length));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setProblems([]);
    let sent: unknown = draft;
    if (tab === 'json') {
      try {
        sent = { ...(JSON.parse(jsonText) as object), name: draft.name, description: draft.description };
      } catch (err) {
        return setJsonError(`not JSON: ${(err as Error).message}`);
      }
    }
    setBusy(true);
    try {
      const saved =
        mode === 'create'
          ? await api<LadderVersionView>('/ladders', { method: 'POST', body: sent })
          : await api<LadderVersionView>(`/ladders/${enc(from)}`, { method: 'PUT', body: sent });
      location.hash = `${ladderHref(saved.name, saved.version)}?${mode === 'version' && saved.version === latest ? 'unchanged' : 'saved'}=1`;
    } catch (err) {
      setProblems(fieldProblems(err));
      setError(err);
      setBusy(false);
    }
  };

  const title = mode === 'create' ? `New template from ${from} v${base.version}` : `New version of ${from} (from v${base.version})`;
  return (
    <>
      <h1>{title}</h1>
      <p class="muted">
        {mode === 'create'
          ? 'A copy under a new name: it is saved as version 1 of a new template.'
          : `Saved as version ${latest + 1} (jobs that ran with earlier versions keep them); an unchanged template stays at v${latest}.`}
      </p>
      <form class="card editor" onSubmit={save} aria-label="Ladder template">
        <div class="name-row">
          <Field label="Name" path="name" problems={problems}>
            <input
              value={draft.name}
              readOnly={mode === 'version'}
              aria-invalid={at(problems, 'name').length > 0}
              pattern="[a-z0-9][a-z0-9_\-]{0,63}"
              title="lowercase letters, digits, - and _, at most 64"
              required
              onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            />
          </Field>
          <Field label="Description" path="description" problems={problems}>
            <input value={draft.description} maxLength={500} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })} />
          </Field>
        </div>
        <div class="tabs" role="group" aria-label="Edit as">
          <button type="button" class={tab === 'form' ? '' : 'secondary'} aria-pressed={tab === 'form'} onClick={() => tab === 'json' && showForm()}>
            Form
          </button>
          <button type="button" class={tab === 'json' ? '' : 'secondary'} aria-pressed={tab === 'json'} onClick={() => tab === 'form' && showJson()}>
            JSON
          </button>
        </div>
        {jsonError && (
          <div class="error-box" role="alert">
            <strong>JSON</strong> {jsonError}
          </div>
        )}
        {tab === 'form' ? (
          <>
            <TemplateForm draft={draft} problems={problems} onChange={change} />
            {error !== undefined && <Refusal error={error} problems={problems} />}
          </>
        ) : (
          <div class="json-editor">
            <label>
              Template JSON (name and description above)
              <textarea
                ref={textarea}
                class="mono"
                spellcheck={false}
                rows={Math.min(40, Math.max(16, jsonText.split('\n').length + 1))}
                value={jsonText}
                aria-invalid={problems.length > 0}
                onInput={(e) => setJsonText(e.currentTarget.value)}
              />
            </label>
            <div class="json-side">
              {error !== undefined ? (
                <Refusal error={error} problems={problems} lineOf={(p) => spot(p)?.line ?? null} goTo={goTo} />
              ) : (
                <p class="small muted">The appliance's problems with the template appear here, by field and line.</p>
              )}
            </div>
          </div>
        )}
        <div class="buttons">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : mode === 'create' ? 'Create template' : 'Save new version'}
          </button>
          <a class="button secondary" href={ladderHref(from, base.version)}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}

export function LadderEditor({ me, mode, from, version }: { me: Me; mode: 'create' | 'version'; from: string; version: number | undefined }) {
  const detail = useLoad(() => api<LadderDetail>(`/ladders/${enc(from)}`), [from]);
  const exact = useLoad(
    () => (version === undefined ? Promise.resolve(null) : api<LadderVersionView>(`/ladders/${enc(from)}/versions/${version}`)),
    [from, version],
  );
  if (!may.write(me.role)) return <ErrorBox error={{ code: 'FORBIDDEN', message: `your role (${me.role}) may not change ladder templates` }} />;
  const error = detail.error ?? exact.error;
  if (error !== undefined) return <ErrorBox error={error} retry={() => (detail.reload(), exact.reload())} />;
  if (!detail.data || exact.data === undefined) return <Loading what={`ladder template ${from}`} />;
  if (mode === 'version' && detail.data.builtin) {
    return (
      <Section title={`${from} is built in`}>
        <ErrorBox error={{ code: 'LADDER_READ_ONLY', message: `${from} is built into the appliance and read-only` }} />
        <p>
          <a class="button" href={ladderHref(from, detail.data.version, 'copy')}>
            Copy it to a new template
          </a>
        </p>
      </Section>
    );
  }
  return <EditorForm mode={mode} from={from} base={exact.data ?? detail.data} latest={detail.data.version} />;
}
