import type { Context } from 'hono';
import type { z } from 'zod';
import { ApplianceError } from '../errors/appliance-error.js';

function issueText(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') return `${issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}: unknown field`;
  return `${path || '(body)'}: ${issue.message}`;
}

/** Reads a JSON body and validates it: 415 for a wrong content type, 400 for bad JSON or a bad field. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApplianceError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
  }
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new ApplianceError('INVALID_JSON', 'request body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApplianceError('VALIDATION_FAILED', first ? issueText(first) : 'invalid request body');
  }
  return parsed.data;
}
