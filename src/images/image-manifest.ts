import { createHash } from 'node:crypto';
import { z } from 'zod';
import { unsafeTreePath } from '../signed-tree/tree-path.js';
import type { EncoderImageManifest } from './encoder-image-manifest.js';

/** Names of the two files of an image that the manifest does not list. */
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.json.asc';

/** An image's id: the sha256 (hex) of its manifest.json bytes. */
export function imageIdOf(manifestBytes: Uint8Array): string {
  return createHash('sha256').update(manifestBytes).digest('hex');
}

/** Why a manifest path is unsafe, or null: relative posix, no `..`/`.`/empty segments, no NUL or backslash. */
export function unsafePathReason(path: string): string | null {
  if (path === MANIFEST_FILE || path === SIGNATURE_FILE) return 'names the manifest itself';
  return unsafeTreePath(path);
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const relPath = z.string().superRefine((path, ctx) => {
  const why = unsafePathReason(path);
  if (why) ctx.addIssue({ code: 'custom', message: `unsafe path ${JSON.stringify(path)}: ${why}` });
});

const manifestSchema = z.object({
  schema: z.literal('mpegflow.encoder-image/1'),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, 'must be a short name of letters, digits and . _ + -'),
  ffmpeg: z.object({ version: z.string().min(1).max(200), configuration: z.string().max(20000) }),
  run: z.object({
    loader: relPath,
    libraryPath: z.array(relPath).min(1).max(64),
    binaries: z.object({ ffmpeg: relPath, ffprobe: relPath }),
  }),
  source: z.union([
    z.object({
      kind: z.literal('debian'),
      suite: z.string(),
      arch: z.string(),
      packages: z.array(z.object({ name: z.string(), version: z.string(), size: z.number().int().min(0), sha256, filename: z.string() })),
    }),
    z.object({ kind: z.literal('host'), origins: z.array(z.object({ path: relPath, from: z.string() })) }),
  ]),
  files: z
    .array(z.object({ path: relPath, size: z.number().int().min(0), sha256, mode: z.string().regex(/^0[0-7]{3}$/) }))
    .min(1)
    .max(100000),
});

function issueText(issue: z.core.$ZodIssue): string {
  const at = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${at || '(root)'}: ${issue.message}`;
}

/**
 * Parses manifest.json bytes and checks its shape and every path in it. Returns the
 * manifest, or the one reason it is refused.
 */
export function parseImageManifest(bytes: Uint8Array): { ok: true; manifest: EncoderImageManifest } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `manifest.json is not valid JSON (${(err as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `manifest.json ${first ? issueText(first) : 'is invalid'}` };
  }
  const manifest = parsed.data as EncoderImageManifest;
  const listed = new Set<string>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) return { ok: false, reason: `manifest.json lists ${file.path} twice` };
    listed.add(file.path);
  }
  const dirs = new Set(manifest.files.map((f) => f.path.split('/').slice(0, -1).join('/')));
  for (const file of manifest.files) {
    if (dirs.has(file.path)) return { ok: false, reason: `manifest.json lists ${file.path} as a file and as a folder` };
  }
  for (const required of [manifest.run.loader, manifest.run.binaries.ffmpeg, manifest.run.binaries.ffprobe]) {
    if (!listed.has(required)) return { ok: false, reason: `manifest.json run entry ${required} is not a listed file` };
  }
  for (const dir of manifest.run.libraryPath) {
    if (!dirs.has(dir)) return { ok: false, reason: `manifest.json libraryPath ${dir} holds no listed file` };
  }
  return { ok: true, manifest };
}
