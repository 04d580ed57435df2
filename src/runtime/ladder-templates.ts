import { ApplianceError } from '../errors/appliance-error.js';
import { builtinTemplates, isBuiltinTemplate } from '../media/builtin-templates.js';
import type { LadderTemplate, TemplateVersion } from '../media/ladder-template.js';
import { templateProblems } from '../media/template-check.js';
import { canonicalSha256, quoted } from './quoting.js';
import type { LadderTemplateRecord } from '../store/ladders.js';
import type { Store } from '../store/store.js';

/** When the built-in templates "were saved": they ship with the appliance. */
const BUILTIN_AT = '1970-01-01T00:00:00.000Z';

export function templateSha256(template: LadderTemplate): string {
  return canonicalSha256(template);
}

function builtinVersion(template: LadderTemplate): TemplateVersion {
  return { name: template.name, version: 1, template, sha256: templateSha256(template), builtin: true, createdAt: BUILTIN_AT, createdBy: 'appliance' };
}

/** A stored version: the store keeps the canonical JSON the API validated before saving it. */
function storedVersion(record: LadderTemplateRecord): TemplateVersion {
  return { ...record, template: record.template as LadderTemplate, builtin: false };
}

/** The newest version of every template: the built-in ones first, then the stored ones by name. */
export async function listTemplates(store: Store): Promise<TemplateVersion[]> {
  return [...Object.values(builtinTemplates).map(builtinVersion), ...(await store.ladders.list()).map(storedVersion)];
}

/**
 * The template version a job pins: `version`, or the newest. LADDER_UNKNOWN (400) when there
 * is no such template, LADDER_VERSION_UNKNOWN (404) when it has no such version.
 */
export async function resolveTemplate(store: Pick<Store, 'ladders'>, name: string, version?: number): Promise<TemplateVersion> {
  const builtin = Object.hasOwn(builtinTemplates, name) ? builtinTemplates[name] : undefined;
  if (builtin) {
    if (version !== undefined && version !== 1) throw new ApplianceError('LADDER_VERSION_UNKNOWN', `built-in ladder ${quoted(name)} has only version 1`);
    return builtinVersion(builtin);
  }
  const record = version === undefined ? await store.ladders.latest(name) : await store.ladders.get(name, version);
  if (record) return storedVersion(record);
  if (version !== undefined && (await store.ladders.latest(name)))
    throw new ApplianceError('LADDER_VERSION_UNKNOWN', `ladder ${quoted(name)} has no version ${version} (see GET /api/v1/ladders/${name})`);
  const known = (await listTemplates(store as Store)).map((t) => t.name).join(', ');
  throw new ApplianceError('LADDER_UNKNOWN', `unknown ladder ${quoted(name)} (known: ${known})`);
}

/** Every version of one template, oldest first (bodies left out). */
export async function templateVersions(store: Store, name: string): Promise<Omit<TemplateVersion, 'template' | 'builtin'>[]> {
  const builtin = Object.hasOwn(builtinTemplates, name) ? builtinTemplates[name] : undefined;
  if (builtin) {
    const { template: _template, builtin: _builtin, ...rest } = builtinVersion(builtin);
    return [rest];
  }
  return await store.ladders.versions(name);
}

/**
 * Saves a template: `create` makes version 1 (LADDER_EXISTS if the name is taken), `update`
 * the next version (LADDER_UNKNOWN if there is none yet; the same template as the newest
 * version makes no new version). Built-in names are LADDER_READ_ONLY; a template whose fields
 * do not hold together is LADDER_INVALID with `details.problems`. Each new version is audited
 * with the whole template.
 */
export async function saveTemplate(
  store: Store,
  template: LadderTemplate,
  mode: 'create' | 'update',
  actor: string,
): Promise<{ version: TemplateVersion; created: boolean }> {
  if (isBuiltinTemplate(template.name))
    throw new ApplianceError('LADDER_READ_ONLY', `${quoted(template.name)} is a built-in template and cannot be changed; save a copy under another name`);
  const problems = templateProblems(template);
  if (problems.length > 0) {
    const first = problems[0] as (typeof problems)[number];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new ApplianceError('LADDER_INVALID', `${first.path}: ${first.message}${more}`, { details: { problems } });
  }
  const sha256 = templateSha256(template);
  return await store.change(async (tx) => {
    const latest = await tx.ladders.latest(template.name);
    if (mode === 'create' && latest)
      throw new ApplianceError('LADDER_EXISTS', `ladder ${quoted(template.name)} exists (version ${latest.version}); PUT makes a new version`);
    if (mode === 'update' && !latest)
      throw new ApplianceError('LADDER_UNKNOWN', `no ladder ${quoted(template.name)} to change; POST /api/v1/ladders creates it`);
    if (latest && latest.sha256 === sha256) return { version: storedVersion(latest), created: false };
    const version = (latest?.version ?? 0) + 1;
    await tx.ladders.insert({ name: template.name, version, template, sha256, createdBy: actor });
    await tx.audit({
      type: version === 1 ? 'ladder.created' : 'ladder.updated',
      actor,
      payload: { name: template.name, version, sha256, previousVersion: latest?.version ?? null, template },
    });
    const saved = await tx.ladders.latest(template.name);
    if (!saved) throw new ApplianceError('INTERNAL', `ladder ${template.name} version ${version} was not saved`);
    return { version: storedVersion(saved), created: true };
  });
}
