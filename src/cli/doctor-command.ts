import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKeySet, memoryScratch } from '../../appliance/boot-at-rest.js';
import { dataLayout } from '../../appliance/data-layout.js';
import { packageRoot } from '../config/package-root.js';
import { atRestEnabled } from '../config/at-rest-config.js';
import type { Config } from '../config/schema.js';
import type { DoctorCheck } from '../doctor/doctor-check.js';
import { checkClock, checkDataDirPermissions, checkFreeDisk, checkListening } from '../doctor/host-checks.js';
import { checkInstallFiles, installPrefix } from '../doctor/install-files.js';
import { messageOf } from '../errors/appliance-error.js';
import { verifyCatalog } from '../image-catalog/image-catalog.js';
import { applianceTrust } from '../images/image-trust.js';
import { openStore } from '../store/open-store.js';
import type { Print } from './commands.js';
import { transportHops, type TransportHop } from '../tls/transport-hops.js';

/** Every hop TLS, or in clear on loopback only (said); a hop in clear across a network fails. */
function transportCheck(hops: TransportHop[]): DoctorCheck {
  const clear = hops.filter((h) => h.inClear);
  const crossing = clear.filter((h) => !h.loopbackOnly);
  if (crossing.length)
    return { name: 'transport', ok: false, detail: `IN CLEAR across the network: ${crossing.map((h) => `${h.name} (${h.detail})`).join('; ')}` };
  if (clear.length) return { name: 'transport', ok: true, detail: `in clear on loopback only: ${clear.map((h) => `${h.name} (${h.detail})`).join('; ')}` };
  return { name: 'transport', ok: true, detail: `no hop in clear: ${hops.map((h) => `${h.name}: ${h.detail}`).join('; ')}` };
}

/** Encryption at rest: off (said), or its KEKs readable, its scratch memory-backed, and every stored data key wrapped by a configured KEK. */
async function atRestCheck(cfg: Config, byKek: Record<string, number> | null): Promise<DoctorCheck> {
  if (!atRestEnabled(cfg.atRest))
    return { name: 'at rest', ok: true, detail: 'objects in clear at rest: no KEK configured (MPEGFLOW_KEK_FILE; docs/at-rest.md)' };
  try {
    const keys = (await loadKeySet(cfg))!;
    memoryScratch(cfg.atRest.scratchDir);
    const configured = new Set(keys.all.map((k) => k.id));
    const missing = Object.entries(byKek ?? {}).filter(([id]) => !configured.has(id));
    if (missing.length)
      return { name: 'at rest', ok: false, detail: `data keys wrapped by a KEK not configured: ${missing.map(([id, n]) => `${id} (${n})`).join(', ')}` };
    const stale = keys.all.slice(1).filter((k) => (byKek?.[k.id] ?? 0) > 0);
    return {
      name: 'at rest',
      ok: true,
      detail: `encrypted under ${keys.current.id} (${byKek?.[keys.current.id] ?? 0} data keys)${stale.length ? `; ${stale.map((k) => k.id).join(', ')} still wrap keys: mpegflow keys rotate` : ''}; scratch ${cfg.atRest.scratchDir} in memory`,
    };
  } catch (err) {
    return { name: 'at rest', ok: false, detail: messageOf(err) };
  }
}

/** Free space the data dir must keep for inputs, scratch and outputs. */
const MIN_FREE_BYTES = 1024 * 2 ** 20;

/**
 * `mpegflow doctor`: checks an installed appliance — its files against the bundle's
 * SHA256SUMS, the encoder images, the data dir's permissions, free disk, the clock and
 * the listening addresses — one line each; exit 0 only if every check holds.
 */
export async function doctorCommand(print: Print, cfg: Config): Promise<number> {
  const layout = dataLayout(cfg.dataDir);
  const prefix = installPrefix();
  const checks: DoctorCheck[] = [await checkInstallFiles(prefix)];
  const notBefore: Array<{ what: string; at: Date }> = [];
  if (prefix) {
    const bundle = JSON.parse(readFileSync(join(prefix, 'BUNDLE.json'), 'utf8')) as { sourceDateEpoch: number };
    notBefore.push({ what: 'the bundle build', at: new Date(bundle.sourceDateEpoch * 1000) });
  }
  if (cfg.database.kind === 'postgres' || existsSync(layout.database)) {
    const store = await openStore(cfg);
    try {
      const verdicts = await verifyCatalog(store, layout.images, await applianceTrust(layout.trust), 'cli:doctor', 'verify');
      const bad = verdicts.filter((v) => !v.ok);
      checks.push(
        verdicts.length === 0
          ? { name: 'encoder images', ok: false, detail: 'none registered (mpegflow start imports the bundled image)' }
          : bad.length
            ? { name: 'encoder images', ok: false, detail: bad.map((v) => `${v.id.slice(0, 12)}: ${v.reason}`).join('; ') }
            : { name: 'encoder images', ok: true, detail: `${verdicts.length} verify (${verdicts.map((v) => `${v.name} ${v.version}`).join(', ')})` },
      );
      checks.push(
        transportCheck(
          transportHops(
            cfg,
            (await store.webhooks.list()).map((w) => w.url),
          ),
        ),
      );
      checks.push(await atRestCheck(cfg, await store.dataKeys.countByKek()));
      const head = await store.audit.head();
      const last = head ? (await store.audit.list({ afterSeq: head.seq - 1, limit: 1 }))[0] : undefined;
      if (last) notBefore.push({ what: `the newest audit event (seq ${last.seq})`, at: new Date(last.at) });
    } catch (err) {
      checks.push({ name: 'encoder images', ok: false, detail: messageOf(err) });
    } finally {
      await store.close();
    }
  } else {
    checks.push({ name: 'encoder images', ok: false, detail: `no database at ${layout.database} (mpegflow init)` });
    checks.push(transportCheck(transportHops(cfg, [])));
    checks.push(await atRestCheck(cfg, null));
  }
  checks.push(checkDataDirPermissions(layout, process.getuid?.() ?? 0));
  checks.push(existsSync(layout.root) ? checkFreeDisk(layout.root, MIN_FREE_BYTES) : { name: 'disk', ok: false, detail: `${layout.root} does not exist` });
  checks.push(checkClock(new Date(), notBefore));
  checks.push(checkListening(packageRoot, cfg.http.host));
  for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(14)} ${c.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  print(failed ? `doctor: ${failed} of ${checks.length} checks FAIL` : `doctor: all ${checks.length} checks hold`);
  return failed ? 1 : 0;
}
