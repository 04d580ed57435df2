import { createHash } from 'node:crypto';
import { z } from 'zod';
import { unsafeTreePath } from '../../signed-tree/tree-path.js';
import { ARGV_PLACEHOLDERS, ENV_PLACEHOLDERS, parseTemplate, type Placeholder } from './launch-argv.js';

/** The two files of a component folder that its manifest does not list. */
export const COMPONENT_FILE = 'component.json';
export const COMPONENT_SIGNATURE_FILE = 'component.json.asc';
export const COMPONENT_SCHEMA = 'mpegflow.component/1';

/** A component's id: the sha256 (hex) of its component.json bytes (what the audit trail records). */
export function componentIdOf(manifestBytes: Uint8Array): string {
  return createHash('sha256').update(manifestBytes).digest('hex');
}

/** Why a listed path is unsafe, or null (the encoder image rules, plus the component's own two files). */
export function unsafeComponentPath(path: string): string | null {
  if (path === COMPONENT_FILE || path === COMPONENT_SIGNATURE_FILE) return 'names the component manifest itself';
  return unsafeTreePath(path);
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const relPath = z.string().superRefine((path, ctx) => {
  const why = unsafeComponentPath(path);
  if (why) ctx.addIssue({ code: 'custom', message: `unsafe path ${JSON.stringify(path)}: ${why}` });
});
const template = (allowed: readonly Placeholder[]) =>
  z
    .string()
    .max(4096)
    .superRefine((text, ctx) => {
      const parsed = parseTemplate(text, allowed);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${parsed.reason}` });
    });

const manifestSchema = z
  .object({
    schema: z.literal(COMPONENT_SCHEMA),
    kind: z.literal('s3-server'),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, 'must be a short name of letters, digits and . _ + -'),
    version: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    launch: z
      .object({
        /** argv[0]: a listed file (relative path); then templates (see launch-argv.ts). */
        argv: z.tuple([relPath], template(ARGV_PLACEHOLDERS)).refine((a) => a.length <= 256, 'at most 256 elements'),
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), template(ENV_PLACEHOLDERS)).default({}),
      })
      .strict(),
    /**
     * `generated`: the appliance generates random credentials once (`<data>/secrets/s3-server.json`) and
     * hands them to the server through `launch.env` (MinIO). `fixed`: the server has built-in credentials
     * it cannot be told otherwise (test fixtures only; see docs/storage.md).
     */
    credentials: z.discriminatedUnion('source', [
      z.object({ source: z.literal('generated') }).strict(),
      z.object({ source: z.literal('fixed'), accessKey: z.string().min(1).max(128), secretKey: z.string().min(1).max(128) }).strict(),
    ]),
    health: z
      .object({
        path: z.string().regex(/^\/[\x21-\x7e]{0,199}$/, 'must be an absolute URL path of printable characters'),
        expectStatus: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1).max(16)]),
      })
      .strict(),
    s3: z
      .object({
        endpoint: z.literal('http://{host}:{port}'),
        region: z
          .string()
          .regex(/^[a-z0-9-]{1,64}$/)
          .default('us-east-1'),
      })
      .strict(),
    files: z
      .array(z.object({ path: relPath, size: z.number().int().min(0), sha256, mode: z.string().regex(/^0[0-7]{3}$/) }).strict())
      .min(1)
      .max(100000),
  })
  .strict();

export type ComponentManifest = z.infer<typeof manifestSchema>;

function issueText(issue: z.core.$ZodIssue): string {
  const at = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${at || '(root)'}: ${issue.message}`;
}

/** The expected health statuses as a list. */
export function expectedStatuses(manifest: ComponentManifest): number[] {
  const e = manifest.health.expectStatus;
  return typeof e === 'number' ? [e] : [...e];
}

/**
 * Parses component.json bytes: shape, every path, every launch template, argv[0] a listed
 * executable, credentials referenced by launch.env when generated. Returns the manifest or
 * the one reason it is refused.
 */
export function parseComponentManifest(bytes: Uint8Array): { ok: true; manifest: ComponentManifest } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `${COMPONENT_FILE} is not valid JSON (${(err as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `${COMPONENT_FILE} ${first ? issueText(first) : 'is invalid'}` };
  }
  const manifest = parsed.data;
  const listed = new Map<string, (typeof manifest.files)[number]>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) return { ok: false, reason: `${COMPONENT_FILE} lists ${file.path} twice` };
    listed.set(file.path, file);
  }
  const dirs = new Set(
    manifest.files.flatMap((f) =>
      f.path
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  for (const file of manifest.files) {
    if (dirs.has(file.path)) return { ok: false, reason: `${COMPONENT_FILE} lists ${file.path} as a file and as a folder` };
  }
  const program = listed.get(manifest.launch.argv[0]);
  if (!program) return { ok: false, reason: `${COMPONENT_FILE} launch.argv[0] ${manifest.launch.argv[0]} is not a listed file` };
  if ((parseInt(program.mode, 8) & 0o111) === 0)
    return { ok: false, reason: `${COMPONENT_FILE} launch.argv[0] ${program.path} is not executable (mode ${program.mode})` };
  if (manifest.credentials.source === 'generated') {
    const env = Object.values(manifest.launch.env).join('\n');
    for (const name of ['{accessKey}', '{secretKey}']) {
      if (!env.includes(name)) return { ok: false, reason: `${COMPONENT_FILE} credentials are generated but launch.env never passes ${name} to the server` };
    }
  }
  return { ok: true, manifest };
}
