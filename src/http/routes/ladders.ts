import { Hono, type Context } from 'hono';
import { ApplianceError } from '../../errors/appliance-error.js';
import type { TemplateVersion } from '../../media/ladder-template.js';
import { listTemplates, resolveTemplate, saveTemplate, templateVersions } from '../../runtime/ladder-templates.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { ladderTemplateSchema, type LadderDetail, type LadderList, type LadderVersionView } from '../schemas/ladder-template.js';
import { readJson } from '../validation.js';

const anyRole = requireRole('admin', 'operator', 'viewer', 'auditor');
/** Operators make deliveries: they and admins keep the templates. */
const writers = requireRole('admin', 'operator');

const view = (v: TemplateVersion): LadderVersionView => ({ ...v });

function nameParam(c: Context<HttpEnv>): string {
  const name = c.req.param('name') ?? '';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) throw new ApplianceError('LADDER_UNKNOWN', `no ladder ${JSON.stringify(name).slice(0, 80)}`);
  return name;
}

/**
 * `/api/v1/ladders`: ladder templates (docs/ladders.md). Any role reads them; operators and
 * admins create (`POST`, version 1) and change (`PUT`, the next version) them; versions are
 * kept forever, and each new one is audited with the whole template.
 */
export function ladderRoutes(store: Store) {
  return new Hono<HttpEnv>()
    .get('/ladders', anyRole, async (c) => c.json({ items: (await listTemplates(store)).map(view) } satisfies LadderList))
    .get('/ladders/:name', anyRole, async (c) => {
      const name = nameParam(c);
      const latest = await resolveTemplate(store, name);
      const versions = (await templateVersions(store, name)).map(({ version, sha256, createdAt, createdBy }) => ({ version, sha256, createdAt, createdBy }));
      return c.json({ ...view(latest), versions } satisfies LadderDetail);
    })
    .get('/ladders/:name/versions/:version', anyRole, async (c) => {
      const version = Number(c.req.param('version'));
      if (!Number.isSafeInteger(version) || version < 1) throw new ApplianceError('LADDER_VERSION_UNKNOWN', 'a version is a positive integer');
      return c.json(view(await resolveTemplate(store, nameParam(c), version)) satisfies LadderVersionView);
    })
    .post('/ladders', writers, async (c) => {
      const template = await readJson(c, ladderTemplateSchema);
      const { version } = await saveTemplate(store, template, 'create', actorOf(c.get('principal')));
      return c.json(view(version) satisfies LadderVersionView, 201);
    })
    .put('/ladders/:name', writers, async (c) => {
      const name = nameParam(c);
      const template = await readJson(c, ladderTemplateSchema);
      if (template.name !== name)
        throw new ApplianceError('VALIDATION_FAILED', `name: the body names ${JSON.stringify(template.name)}, the path ${JSON.stringify(name)}`);
      const { version } = await saveTemplate(store, template, 'update', actorOf(c.get('principal')));
      return c.json(view(version) satisfies LadderVersionView);
    });
}
