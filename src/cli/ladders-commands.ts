import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import type { LadderDetail, LadderList, LadderTemplateBody, LadderVersionView } from '../http/schemas/ladder-template.js';
import { api, connect, type ClientOptions } from './api-client.js';
import { ladderDiff, type FieldChange } from './ladder-diff.js';

/**
 * `mpegflow ladders …`: ladder templates through a running appliance's API (docs/ladders.md),
 * so a new version is checked, saved and audited exactly as `POST`/`PUT /api/v1/ladders`
 * would, as the token's holder.
 */

export interface LaddersIo {
  /** stdout. */
  print: (line: string) => void;
  /** stderr (LADDER_INVALID's problems). */
  error: (line: string) => void;
  config: () => Promise<Config>;
}

export interface LaddersContext {
  io: LaddersIo;
  client: ClientOptions;
  env: NodeJS.ProcessEnv;
}

type Template = LadderTemplateBody;
type Rung = Template['rungs'][number];

const path = (name: string) => `/api/v1/ladders/${encodeURIComponent(name)}`;

/** Rows as columns padded to their widest cell (the last column unpadded). */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/** `5 rungs, 240p-2160p, h264` / `1 rung, 2160p, hevc HDR` / `4 rungs, 480p-2160p, h264+hevc (2 HDR)`. */
export function rungsSummary(rungs: readonly Rung[]): string {
  if (rungs.length === 0) return 'no rungs';
  const heights = rungs.map((r) => r.height);
  const low = Math.min(...heights);
  const high = Math.max(...heights);
  const codecs = [...new Set(rungs.map((r) => r.codec))].join('+');
  const hdr = rungs.filter((r) => r.range === 'hdr').length;
  const hdrNote = hdr === 0 ? '' : hdr === rungs.length ? ' HDR' : ` (${hdr} HDR)`;
  return `${rungs.length} rung${rungs.length === 1 ? '' : 's'}, ${low === high ? `${low}p` : `${low}p-${high}p`}, ${codecs}${hdrNote}`;
}

/** The first line of a description, at most 60 characters. */
function shortText(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** `mpegflow ladders [list] [--json]`: the newest version of each template. */
export async function laddersListCommand(ctx: LaddersContext, options: { json?: boolean } = {}): Promise<number> {
  const conn = await connect(ctx.client, ctx.io.config, ctx.env);
  const { items } = (await api<LadderList>(conn, 'GET', '/api/v1/ladders', 'ladders')).body;
  if (options.json) {
    ctx.io.print(JSON.stringify(items, null, 2));
    return 0;
  }
  const rows = [['NAME', 'VERSION', 'BUILT-IN', 'RUNGS', 'DESCRIPTION']];
  for (const l of items)
    rows.push([l.name, String(l.version), l.builtin ? 'yes' : 'no', rungsSummary(l.template.rungs), shortText(l.template.description) || '-']);
  for (const line of table(rows)) ctx.io.print(line);
  return 0;
}

function rateText(rate: Rung['rate']): string {
  const head = rate.mode === 'vbr' ? `vbr ${rate.bitrateKbps}k` : `crf ${rate.crf}`;
  return `${head} max ${rate.maxrateKbps}k buf ${rate.bufsizeKbps}k`;
}

function audioText(audio: Template['audio']): string[] {
  const select =
    audio.select.by === 'all'
      ? 'every language of the master'
      : audio.select.by === 'language'
        ? `languages ${audio.select.languages.join(', ')}`
        : `tracks ${audio.select.tracks.join(', ')}`;
  const loud = audio.loudness;
  return [
    `${select}; missing: ${audio.missing}`,
    `AAC stereo ${audio.stereo.bitrateKbps}k${audio.surround ? `; 5.1 ${audio.surround.codec} ${audio.surround.bitrateKbps}k` : '; no 5.1'}`,
    loud ? `loudness ${loud.standard}: ${loud.integratedLufs} LUFS, ${loud.truePeakDbtp} dBTP, LRA ${loud.lra}` : 'loudness as mastered',
  ];
}

/** A template version for people: what it is, its rungs as a table, its policies. */
export function templateSummary(v: LadderVersionView, versions?: readonly number[]): string[] {
  const t = v.template;
  const label = (name: string, value: string) => `${(name ? `${name}:` : '').padEnd(18)}${value}`;
  const lines = [
    label('ladder', `${v.name} version ${v.version}${v.builtin ? ' (built in, read-only)' : ''}`),
    ...(versions ? [label('versions', versions.join(', '))] : []),
    label('description', t.description || '-'),
    label('sha256', v.sha256),
    label('saved', `${v.createdAt} by ${v.createdBy}`),
    label('gop', `${t.gopSeconds} s, ${t.bFrames} B-frames, at most ${t.maxFrameRate} fps`),
    label('packaging', t.packaging.join(', ')),
    label('partial ladder', t.partialLadder ?? "the appliance's policy"),
    label('rungs', rungsSummary(t.rungs)),
  ];
  const rows = [['NAME', 'CODEC', 'PROFILE', 'BOX', 'RATE', 'LEVEL', 'RANGE']];
  for (const r of t.rungs) rows.push([r.name, r.codec, r.profile, `${r.width}x${r.height}`, rateText(r.rate), r.maxLevel ?? 'any', r.range]);
  lines.push(...table(rows).map((line) => `  ${line}`));
  lines.push(label('hdr', `SDR rungs of an HDR master: ${t.hdr.sdrRungFromHdrMaster}; HDR rungs of an SDR master: ${t.hdr.hdrRungOnSdrMaster}`));
  const [first, ...more] = audioText(t.audio);
  lines.push(label('audio', first!), ...more.map((l) => label('', l)));
  lines.push(
    label(
      'captions',
      `sidecars ${t.captions.sidecars ? 'yes' : 'no'}; embedded ${t.captions.embedded}; DASH ${t.captions.dashFormat}; invalid file: ${t.captions.invalid}`,
    ),
  );
  const accepted = t.acceptedFormats;
  lines.push(
    label(
      'accepted formats',
      accepted && Object.keys(accepted).length
        ? Object.entries(accepted)
            .map(([k, val]) => `${k} ${String(val)}`)
            .join(', ')
        : "the appliance's policy",
    ),
  );
  return lines;
}

/** `--version N`, `V1`, `V2`: a positive integer, else a usage error. */
export function versionArg(value: string, what: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new ApplianceError('USAGE', `${what}: a version is a positive integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** `mpegflow ladders show NAME [--version N] [--json]`: with --json exactly the template, to edit and send back with `ladders update`. */
export async function laddersShowCommand(ctx: LaddersContext, name: string, options: { version?: number; json?: boolean } = {}): Promise<number> {
  const conn = await connect(ctx.client, ctx.io.config, ctx.env);
  const detail = (await api<LadderDetail>(conn, 'GET', path(name), 'ladders show')).body;
  const shown =
    options.version === undefined ? detail : (await api<LadderVersionView>(conn, 'GET', `${path(name)}/versions/${options.version}`, 'ladders show')).body;
  if (options.json) ctx.io.print(JSON.stringify(shown.template, null, 2));
  else
    for (const line of templateSummary(
      shown,
      detail.versions.map((v) => v.version),
    ))
      ctx.io.print(line);
  return 0;
}

async function readTemplateFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ApplianceError('FILE_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ApplianceError('INVALID_JSON', `${file} is not JSON: ${messageOf(err)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApplianceError('VALIDATION_FAILED', `${file}: a template is a JSON object`);
  return body as Record<string, unknown>;
}

/** LADDER_INVALID's `details.problems`, or null for any other error. */
function problemsOf(err: unknown): Array<{ path: string; message: string }> | null {
  if (!(err instanceof ApplianceError) || err.code !== 'LADDER_INVALID') return null;
  const problems = err.details?.['problems'];
  if (!Array.isArray(problems)) return null;
  return problems.map((p: { path?: unknown; message?: unknown }) => ({ path: String(p.path ?? '(template)'), message: String(p.message ?? '') }));
}

/**
 * `mpegflow ladders create FILE.json` (version 1) / `ladders update FILE.json` (the next version
 * of the template the file names): prints the saved version. A template whose fields do not
 * hold together prints each problem (`path: message`) on stderr and exits 1.
 */
export async function laddersSaveCommand(ctx: LaddersContext, file: string, mode: 'create' | 'update'): Promise<number> {
  const body = await readTemplateFile(file);
  const what = `ladders ${mode}`;
  const name = body['name'];
  if (typeof name !== 'string' || !name) throw new ApplianceError('VALIDATION_FAILED', `${what}: ${file}: name: the template has no name`);
  const conn = await connect(ctx.client, ctx.io.config, ctx.env);
  let before: LadderDetail | undefined;
  if (mode === 'update') {
    try {
      before = (await api<LadderDetail>(conn, 'GET', path(name), what)).body;
    } catch (err) {
      if (err instanceof ApplianceError && err.code === 'LADDER_UNKNOWN')
        throw new ApplianceError('LADDER_UNKNOWN', `${what}: LADDER_UNKNOWN: no ladder "${name}" to change; \`mpegflow ladders create ${file}\` creates it`);
      throw err;
    }
  }
  let saved: LadderVersionView;
  try {
    saved = (await api<LadderVersionView>(conn, mode === 'create' ? 'POST' : 'PUT', mode === 'create' ? '/api/v1/ladders' : path(name), what, body)).body;
  } catch (err) {
    const problems = problemsOf(err);
    if (!problems) throw err;
    ctx.io.error(`mpegflow: ${what}: LADDER_INVALID: ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing saved`);
    for (const p of problems) ctx.io.error(`  ${p.path}: ${p.message}`);
    return 1;
  }
  if (before && before.version === saved.version) ctx.io.print(`ladder ${saved.name} unchanged: version ${saved.version} is this template (nothing saved)`);
  else ctx.io.print(`ladder ${saved.name} version ${saved.version} saved${before ? ` (was ${before.version})` : ''}, sha256 ${saved.sha256}`);
  return 0;
}

/** A diff cell: compact JSON, `(none)` for a field one side lacks. */
function cell(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** `mpegflow ladders diff NAME V1 V2 [--json]`: the field-level differences from V1 to V2 (path, old, new); exit 0 either way. */
export async function laddersDiffCommand(ctx: LaddersContext, name: string, from: number, to: number, options: { json?: boolean } = {}): Promise<number> {
  const conn = await connect(ctx.client, ctx.io.config, ctx.env);
  const version = async (v: number) => (await api<LadderVersionView>(conn, 'GET', `${path(name)}/versions/${v}`, 'ladders diff')).body;
  const [a, b] = [await version(from), await version(to)];
  const changes: FieldChange[] = ladderDiff(a.template, b.template);
  if (options.json) {
    ctx.io.print(JSON.stringify(changes, null, 2));
    return 0;
  }
  if (changes.length === 0) {
    ctx.io.print(`ladder ${name}: versions ${from} and ${to} are the same template`);
    return 0;
  }
  ctx.io.print(`ladder ${name}: version ${from} -> ${to}, ${changes.length} difference${changes.length === 1 ? '' : 's'}`);
  for (const line of table([['PATH', 'OLD', 'NEW'], ...changes.map((c) => [c.path, cell(c.old), cell(c.new)])])) ctx.io.print(line);
  return 0;
}
