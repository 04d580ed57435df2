import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as openpgp from 'openpgp';
import { extract as extractTar } from 'tar';
import { messageOf } from '../errors/appliance-error.js';
import { fingerprintOf, verifyDetached } from '../signing/openpgp-keys.js';
import { readPublicKey } from '../signing/binary-signatures.js';
import { checkBundleHeads, compareBundleHeads } from './bundle-heads.js';
import { splitHeadLog } from './head-record.js';
import { BUNDLE_FILES, BUNDLE_FORMAT, isBundlePath, seqOfLine, type BundleManifest, type ChainPoint } from './bundle-format.js';

export interface BundleVerdict {
  ok: boolean;
  /** One line per check that failed, naming what failed. */
  failures: string[];
  /** One line per check that held. */
  passed: string[];
  manifest: BundleManifest | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Extracts plain files only; anything else (links, devices, odd or repeated paths) is a failure. */
async function extractBundle(file: string, into: string, fail: (line: string) => void): Promise<boolean> {
  const seen = new Set<string>();
  try {
    await extractTar({
      file,
      cwd: into,
      strict: true,
      filter: (rawPath, entry) => {
        const path = rawPath.replace(/^(\.\/)+/, '').replace(/\/$/, '');
        const type = 'type' in entry ? entry.type : 'File';
        if (type === 'Directory' && (path === '' || path === '.' || isBundlePath(path))) return true;
        if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile') {
          fail(`entry ${JSON.stringify(rawPath)}: a ${type} entry is not allowed in a bundle`);
          return false;
        }
        if (!isBundlePath(path)) {
          fail(`entry ${JSON.stringify(rawPath)}: not a plain relative path`);
          return false;
        }
        if (seen.has(path)) {
          fail(`entry ${path}: present twice`);
          return false;
        }
        seen.add(path);
        return true;
      },
    });
    return true;
  } catch (err) {
    fail(`bundle: not a readable tar file (${messageOf(err)})`);
    return false;
  }
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(relative(root, path));
  }
  return out.sort();
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isPoint(p: unknown): p is ChainPoint {
  const x = p as ChainPoint | null;
  return typeof x === 'object' && x !== null && Number.isSafeInteger(x.seq) && x.seq >= 0 && typeof x.hash === 'string' && HEX64.test(x.hash);
}

/**
 * Recomputes the chain over events.jsonl from the anchor, byte-exact (lines split on LF
 * only). Returns the point reached and the hashes at the `watch` seqs the walk passes.
 */
async function walkChain(
  path: string,
  anchor: ChainPoint,
  watch: Set<number>,
): Promise<{ last: ChainPoint; events: number; watched: Map<number, string>; error: string | null }> {
  let prev = anchor;
  let events = 0;
  const watched = new Map<number, string>();
  if (watch.has(anchor.seq)) watched.set(anchor.seq, anchor.hash);
  let rest = Buffer.alloc(0);
  const step = (line: Buffer): string | null => {
    const expected = prev.seq + 1;
    const seq = seqOfLine(line.toString('utf8'));
    if (seq === null) return `line ${events + 1}: not a canonical audit event`;
    if (seq !== expected) return `line ${events + 1}: event seq ${seq} where seq ${expected} must follow (an event is missing, added or out of order)`;
    prev = { seq, hash: createHash('sha256').update(prev.hash, 'utf8').update(line).digest('hex') };
    events++;
    if (watch.has(seq)) watched.set(seq, prev.hash);
    return null;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let nl: number;
    while ((nl = buf.indexOf(10)) !== -1) {
      const error = step(buf.subarray(0, nl));
      if (error) return { last: prev, events, watched, error };
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) return { last: prev, events, watched, error: `line ${events + 1}: the file does not end with a newline (truncated or altered)` };
  return { last: prev, events, watched, error: null };
}

/**
 * Verifies a signed audit bundle: the manifest signature (by `trustedKeyArmored`, else the
 * bundled key), every file's sha256 and that no file is unlisted, and the hash chain of
 * events.jsonl from its anchor to the manifest's last event and the previous checkpoint.
 */
export async function verifyBundle(file: string, options: { trustedKeyArmored?: string; previousBundle?: string } = {}): Promise<BundleVerdict> {
  const failures: string[] = [];
  const passed: string[] = [];
  const fail = (line: string) => failures.push(line);
  const dir = await mkdtemp(join(tmpdir(), 'mpegflow-bundle-'));
  let manifest: BundleManifest | null = null;
  try {
    if (!(await extractBundle(file, dir, fail))) return { ok: false, failures, passed, manifest };
    const present = new Set(await listFiles(dir));
    const text = async (name: string) => (present.has(name) ? readFile(join(dir, name)) : null);

    const manifestBytes = await text(BUNDLE_FILES.manifest);
    if (!manifestBytes) fail(`${BUNDLE_FILES.manifest}: missing`);
    else {
      try {
        manifest = JSON.parse(manifestBytes.toString('utf8')) as BundleManifest;
        if (manifest.format !== BUNDLE_FORMAT || typeof manifest.files !== 'object' || manifest.files === null || !manifest.chain || !manifest.checkpoint) {
          fail(`${BUNDLE_FILES.manifest}: not a ${BUNDLE_FORMAT} manifest`);
          manifest = null;
        }
      } catch (err) {
        fail(`${BUNDLE_FILES.manifest}: not JSON (${messageOf(err)})`);
      }
    }

    // 1. The signature.
    const signature = await text(BUNDLE_FILES.signature);
    const bundledKey = await text(BUNDLE_FILES.key);
    const key = options.trustedKeyArmored ?? bundledKey?.toString('utf8');
    if (!signature) fail(`${BUNDLE_FILES.signature}: missing`);
    else if (!key) fail(`signature: no key (the bundle holds no ${BUNDLE_FILES.key} and no --key was given)`);
    else if (manifestBytes) {
      const armored = signature.toString('utf8');
      let canonical = false;
      try {
        canonical = (await openpgp.readSignature({ armoredSignature: armored })).armor() === armored;
      } catch {
        canonical = false;
      }
      let verdict: Awaited<ReturnType<typeof verifyDetached>>;
      try {
        verdict = await verifyDetached([key], manifestBytes, armored);
      } catch (err) {
        verdict = { ok: false, reason: `the key is not a readable OpenPGP public key (${messageOf(err)})` };
      }
      if (!verdict.ok) fail(`signature: ${BUNDLE_FILES.signature} does not verify ${BUNDLE_FILES.manifest}: ${verdict.reason}`);
      else if (!canonical) fail(`signature: ${BUNDLE_FILES.signature} was altered (its armor is not the one the appliance wrote)`);
      else
        passed.push(
          `signature: good, by ${verdict.fingerprint}${options.trustedKeyArmored ? ' (the --key given)' : ` (the bundled ${BUNDLE_FILES.key}; pass --key to pin the key you trust)`}`,
        );
      if (verdict.ok && manifest && verdict.fingerprint !== manifest.auditKeyFingerprint) {
        fail(`signature: made by ${verdict.fingerprint}, but the manifest names ${manifest.auditKeyFingerprint}`);
      }
    }
    if (options.trustedKeyArmored && bundledKey) {
      const [trusted, bundled] = await Promise.all([
        fingerprintOf(options.trustedKeyArmored).catch(() => null),
        fingerprintOf(bundledKey.toString('utf8')).catch(() => null),
      ]);
      if (trusted !== bundled) fail(`${BUNDLE_FILES.key}: is key ${bundled ?? '(unreadable)'}, not the --key ${trusted ?? '(unreadable)'}`);
    }
    if (!manifest) return { ok: false, failures, passed, manifest };

    // 2. Every file.
    let hashed = 0;
    for (const [name, expected] of Object.entries(manifest.files)) {
      if (!present.has(name)) {
        fail(`file ${name}: listed in the manifest but missing`);
        continue;
      }
      const actual = await sha256Of(join(dir, name));
      if (actual !== expected) fail(`file ${name}: sha256 ${actual} differs from the manifest's ${expected}`);
      else hashed++;
    }
    for (const name of present) {
      if (name !== BUNDLE_FILES.manifest && name !== BUNDLE_FILES.signature && !Object.hasOwn(manifest.files, name))
        fail(`file ${name}: present but not listed in the manifest`);
    }
    if (hashed === Object.keys(manifest.files).length) passed.push(`files: ${hashed} sha256 match the manifest`);

    // 3. The chain.
    const { anchor, last } = manifest.chain;
    if (!isPoint(anchor) || !isPoint(last)) {
      fail(`${BUNDLE_FILES.manifest}: chain.anchor / chain.last are not seq + hash`);
      return { ok: false, failures, passed, manifest };
    }
    const anchorFile = await text(BUNDLE_FILES.anchor);
    let anchorJson: unknown = null;
    try {
      anchorJson = anchorFile ? JSON.parse(anchorFile.toString('utf8')) : null;
    } catch {
      anchorJson = null;
    }
    if (!isPoint(anchorJson) || anchorJson.seq !== anchor.seq || anchorJson.hash !== anchor.hash)
      fail(`${BUNDLE_FILES.anchor}: missing or not the manifest's chain.anchor`);
    const previous = manifest.checkpoint.previous;
    const covers = (p: ChainPoint) => p.seq >= anchor.seq && p.seq <= last.seq;
    const recorded = previous && isPoint(previous.head) && covers(previous.head) ? previous.head : null;
    // An older bundle the reviewer holds: verified in full (same key), then its head must lie on this chain.
    let older: { file: string; head: ChainPoint } | null = null;
    if (options.previousBundle) {
      const verdict = await verifyBundle(options.previousBundle, options.trustedKeyArmored ? { trustedKeyArmored: options.trustedKeyArmored } : {});
      const head = verdict.manifest?.checkpoint.head;
      if (!verdict.ok || !isPoint(head)) fail(`previous bundle ${options.previousBundle}: does not verify (${verdict.failures.join('; ') || 'no checkpoint'})`);
      else if (!covers(head))
        fail(`previous bundle: its head seq ${head.seq} is outside this bundle's events (seq ${anchor.seq + 1}..${last.seq}); export a range that covers it`);
      else older = { file: options.previousBundle, head };
    }
    // Signed heads on these events (heads.log): their own signatures and links now, their hashes after the walk.
    const headsFile = await text(BUNDLE_FILES.heads);
    const bundleHeads =
      headsFile && key ? await checkBundleHeads(headsFile.toString('utf8'), await readPublicKey(key), { anchor, last }).catch(() => null) : null;
    if (headsFile && !bundleHeads) fail(`heads: no readable key to check ${BUNDLE_FILES.heads} with`);
    const watch = new Set<number>([...(recorded ? [recorded.seq] : []), ...(older ? [older.head.seq] : []), ...(bundleHeads?.watch ?? [])]);
    if (!present.has(BUNDLE_FILES.events)) fail(`${BUNDLE_FILES.events}: missing`);
    else {
      const walk = await walkChain(join(dir, BUNDLE_FILES.events), anchor, watch);
      if (walk.error) fail(`chain: ${walk.error}`);
      else if (walk.last.seq !== last.seq || walk.last.hash !== last.hash) {
        fail(`chain: events.jsonl recomputes to seq ${walk.last.seq} ${walk.last.hash}, not the manifest's last event seq ${last.seq} ${last.hash}`);
      } else if (walk.events !== manifest.chain.events) fail(`chain: ${walk.events} events, the manifest says ${manifest.chain.events}`);
      else passed.push(`chain: ${walk.events} events recompute from anchor seq ${anchor.seq} to seq ${last.seq} ${last.hash}`);
      if (previous && recorded && !walk.error) {
        if (walk.watched.get(recorded.seq) === recorded.hash)
          passed.push(`checkpoint: extends the previous export ${previous.exportId} (seq ${recorded.seq} ${recorded.hash})`);
        else fail(`checkpoint: the chain at seq ${recorded.seq} is not the previous export ${previous.exportId}'s head ${recorded.hash} (rewritten since)`);
      }
      if (bundleHeads) {
        const headFindings = [...bundleHeads.findings, ...(walk.error ? [] : compareBundleHeads(bundleHeads.heads, walk.watched))];
        for (const f of headFindings) fail(`heads: ${f.code}: ${f.message}`);
        if (headFindings.length === 0 && !walk.error) {
          const seqs = bundleHeads.heads.map((h) => h.record.seq);
          passed.push(
            seqs.length
              ? `heads: ${seqs.length} signed heads verify, link, and agree with the chain (seq ${seqs[0]}..${seqs.at(-1)})`
              : `heads: ${BUNDLE_FILES.heads} holds no head on these events`,
          );
        }
        if (manifest.heads && manifest.heads.count !== splitHeadLog(headsFile!.toString('utf8')).lines.length)
          fail(`heads: ${BUNDLE_FILES.heads} has not the ${manifest.heads.count} heads the manifest names`);
      }
      if (older && !walk.error) {
        if (walk.watched.get(older.head.seq) === older.head.hash)
          passed.push(`previous bundle: this chain extends ${older.file} (its head seq ${older.head.seq} ${older.head.hash})`);
        else fail(`previous bundle: the chain at seq ${older.head.seq} is not ${older.file}'s head ${older.head.hash} (rewritten since)`);
      }
    }
    return { ok: failures.length === 0, failures, passed, manifest };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
