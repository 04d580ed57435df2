// The ladder editor's form: the rung table and the settings sections (video/HDR, audio, captions, delivery, quality gate).
import { useState } from 'preact/hooks';
import type { LadderTemplate } from '../api';
import { acceptedText } from '../ladder-summary';
import {
  at,
  DEFAULT_QUALITY,
  list,
  LOUDNESS,
  PRESETS,
  QUALITY_METRICS,
  under,
  type Audio,
  type Problems,
  type Quality,
  type QualityMetric,
} from '../ladder-form';
import { RungEditor } from './rung-editor';
import { Field, FieldProblems, NumberField, SelectField } from './template-fields';

/**
 * The quality gate (`quality`): left out, the appliance measures 3 segments and gates nothing.
 * A threshold left empty is measured, not gated (its key is left out of `thresholds`).
 */
function QualityFields({
  quality,
  problems,
  onChange,
}: {
  quality: Quality | null | undefined;
  problems: Problems;
  onChange: (q: Quality | undefined) => void;
}) {
  const q = quality ?? null;
  const setThreshold = (key: QualityMetric, raw: string) => {
    if (!q) return;
    const thresholds = { ...q.thresholds };
    if (raw.trim() === '') delete thresholds[key];
    else thresholds[key] = Number(raw);
    onChange({ ...q, thresholds });
  };
  return (
    <div class="form-grid">
      <SelectField
        label="Quality gate"
        path="quality"
        problems={problems}
        value={q ? 'set' : 'default'}
        options={[
          ['default', 'the default: 3 segments measured, not gated'],
          ['set', "this template's gate"],
        ]}
        onChange={(v) => onChange(v === 'set' ? structuredClone(DEFAULT_QUALITY) : undefined)}
      />
      {q && (
        <>
          <SelectField
            label="Measured on"
            path="quality.sample"
            problems={problems}
            value={q.sample === 'all' ? 'all' : 'segments'}
            options={[
              ['segments', 'sampled segments'],
              ['all', 'the whole programme'],
            ]}
            onChange={(v) => onChange({ ...q, sample: v === 'all' ? 'all' : { segments: 3 } })}
          />
          {q.sample !== 'all' && (
            <NumberField
              label="Sampled segments"
              path="quality.sample.segments"
              problems={problems}
              value={q.sample.segments}
              onChange={(segments) => onChange({ ...q, sample: { segments } })}
            />
          )}
          {QUALITY_METRICS.map((m) => (
            <Field key={m.key} label={`Minimum mean ${m.label}`} path={`quality.thresholds.${m.key}`} problems={problems}>
              <input
                type="number"
                aria-label={`Minimum mean ${m.label}`}
                step={m.step}
                min={0}
                placeholder="not gated"
                value={q.thresholds[m.key] ?? ''}
                aria-invalid={at(problems, `quality.thresholds.${m.key}`).length > 0}
                onInput={(e) => setThreshold(m.key, e.currentTarget.value)}
              />
            </Field>
          ))}
          <SelectField
            label="A rung below a threshold"
            path="quality.onBelow"
            problems={problems}
            value={q.onBelow}
            options={[
              ['fail', 'fail the job'],
              ['partial', 'leave the rung out, flag the job partial'],
            ]}
            onChange={(onBelow) => onChange({ ...q, onBelow })}
          />
        </>
      )}
    </div>
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
export function TemplateForm({
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
      <fieldset>
        <legend>Quality gate</legend>
        <QualityFields
          quality={draft.quality}
          problems={problems}
          onChange={(quality) => {
            // Back to the default: the field is left out (as a template that never named one), not sent as null.
            const { quality: _old, ...rest } = draft;
            onChange(quality ? { ...rest, quality } : rest);
          }}
        />
        <p class="small muted">PSNR, SSIM and XPSNR of every video rung against the master, before packaging (docs/quality.md).</p>
        <FieldProblems problems={problems} path="quality.thresholds" />
      </fieldset>
    </>
  );
}
