import { Hono } from 'hono';
import type { EncoderImageManifest } from '../../images/encoder-image-manifest.js';
import type { EncoderImageRecord, Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { requireRole } from '../middleware/auth.js';
import type { Encoder, EncoderList } from '../schemas/system.js';

function summary(image: EncoderImageRecord, defaultId: string | undefined): Encoder {
  const manifest = JSON.parse(image.manifest) as EncoderImageManifest;
  return {
    id: image.id,
    name: image.name,
    version: image.version,
    state: image.state,
    default: image.id === defaultId,
    source: manifest.source.kind,
    configuration: manifest.ffmpeg.configuration,
    files: manifest.files.length,
    bytes: manifest.files.reduce((sum, f) => sum + f.size, 0),
    importedAt: image.importedAt,
    verifiedAt: image.verifiedAt,
  };
}

/** `GET /api/v1/encoders` (any role): the registered encoder images with their verification state; the default first. */
export function encoderRoutes(store: Store) {
  return new Hono<HttpEnv>().get('/encoders', requireRole('admin', 'operator', 'viewer', 'auditor'), async (c) => {
    const [images, fallback] = await Promise.all([store.images.list(), store.images.default()]);
    const items = images.map((image) => summary(image, fallback?.id)).sort((a, b) => Number(b.default) - Number(a.default));
    return c.json({ items, default: fallback?.id ?? null } satisfies EncoderList);
  });
}
