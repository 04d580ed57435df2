import type { Config } from '../src/config/schema.js';
import type { Health } from '../src/http/health.js';
import { verifyCatalog } from '../src/image-catalog/image-catalog.js';
import { ensureProductionImage } from '../src/image-catalog/production-image.js';
import { applianceTrust } from '../src/images/image-trust.js';
import type { Logger } from '../src/log/logger.js';
import type { TrustedKeys } from '../src/signing/trusted-keys.js';
import type { Store } from '../src/store/store.js';
import type { dataLayout } from './data-layout.js';

/**
 * Encoder images at start: every registered image is re-verified in full; if none is
 * the committed lock's production image, it is built, signed and imported now. A host
 * that cannot build it runs degraded (`/healthz` check `encoderImages`).
 */
export async function bootEncoderImages(
  store: Store,
  layout: ReturnType<typeof dataLayout>,
  health: Health,
  buildHost: Config['buildHost'],
  out: (line: string) => void,
  logger: Logger,
  actor: string,
): Promise<{ trust: TrustedKeys; loaded: Array<{ id: string; name: string; version: string }> }> {
  const trust = await applianceTrust(layout.trust);
  const verdicts = await verifyCatalog(store, layout.images, trust, actor, 'pool-start');
  for (const v of verdicts.filter((v) => v.absent)) out(`Encoder image ${v.name} ${v.version} (${v.id}) is registered but not on this node`);
  for (const v of verdicts.filter((v) => !v.ok && !v.absent)) {
    logger.error({ imageId: v.id, reason: v.reason }, 'encoder image does not verify');
    out(`WARNING: encoder image ${v.name} ${v.version} (${v.id}) does not verify and will not be used: ${v.reason}`);
  }
  const production = await ensureProductionImage({
    store,
    dataDir: layout.root,
    signingKeyPath: layout.auditKey,
    trust,
    actor: actor,
    progress: out,
    buildHost,
  });
  if (!production.ok) {
    logger.error({ reason: production.reason }, 'production encoder image unavailable');
    out(
      `Encoder image: the FFmpeg 7.1 image cannot be built here (${production.reason}); import one with \`mpegflow images import DIR\` (a signed image) or \`mpegflow images import-host\` (this host's ffmpeg); the appliance runs degraded until then.`,
    );
  }
  const loaded = (await store.images.list()).filter((i) => i.state === 'verified').map((i) => ({ id: i.id, name: i.name, version: i.version }));
  const fallback = await store.images.default();
  if (production.ok) {
    health.set('encoderImages', {
      ok: true,
      detail: `${loaded.length} verified; default ${production.image.name} ${production.image.version} (${production.image.id})`,
    });
  } else if (fallback) {
    health.set('encoderImages', { ok: true, detail: `production image unavailable; default ${fallback.name} ${fallback.version} (${fallback.id})` });
  } else {
    health.set('encoderImages', { ok: false, detail: `no verified encoder image: ${production.reason}` });
  }
  return { trust, loaded };
}
