import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplianceError } from '../errors/appliance-error.js';
import { deb822Field, parseDeb822 } from './deb822.js';

/** One `deb` source line or paragraph of the host's apt configuration. */
export interface HostAptSource {
  uri: string;
  suites: string[];
}

/** The `deb` entries of a one-line-style sources.list. */
export function parseSourcesList(text: string): HostAptSource[] {
  const sources: HostAptSource[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    // drop the optional [option=value ...] block
    const words = line
      .replace(/\[[^\]]*\]/, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const uri = words[1];
    const suite = words[2];
    if (uri && suite) sources.push({ uri, suites: [suite] });
  }
  return sources;
}

/** The `Types: deb` paragraphs of a deb822 .sources file (one entry per URI). */
export function parseDeb822Sources(text: string): HostAptSource[] {
  const sources: HostAptSource[] = [];
  for (const paragraph of parseDeb822(text)) {
    const types = (deb822Field(paragraph, 'Types') ?? '').split(/\s+/);
    if (!types.includes('deb')) continue;
    if ((deb822Field(paragraph, 'Enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const suites = (deb822Field(paragraph, 'Suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (deb822Field(paragraph, 'URIs') ?? '').split(/\s+/).filter(Boolean)) sources.push({ uri, suites });
  }
  return sources;
}

/** Every `deb` source the host's apt is configured with, in apt's reading order. */
export function readHostAptSources(etcApt = '/etc/apt'): HostAptSource[] {
  const sources: HostAptSource[] = [];
  const list = join(etcApt, 'sources.list');
  if (existsSync(list)) sources.push(...parseSourcesList(readFileSync(list, 'utf8')));
  const partsDir = join(etcApt, 'sources.list.d');
  if (existsSync(partsDir)) {
    for (const name of readdirSync(partsDir).sort()) {
      const text = readFileSync(join(partsDir, name), 'utf8');
      if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(text));
      else if (name.endsWith('.list')) sources.push(...parseSourcesList(text));
    }
  }
  return sources;
}

/**
 * The Debian archive mirror to use: the configured one (`MPEGFLOW_DEBIAN_MIRROR`) if set, otherwise the
 * first host apt source that serves a Debian release suite (not `-security`, not a
 * third-party repository: its suites must be plain Debian code names or
 * `<codename>-updates`). Returned without a trailing slash.
 */
export function findDebianMirror(configured: string | null, etcApt = '/etc/apt'): string {
  if (configured) return checkMirrorUri(configured);
  const debianSuite = /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|testing|unstable|oldstable)(-updates|-backports)?$/;
  for (const source of readHostAptSources(etcApt)) {
    if (!/^https?:\/\//.test(source.uri)) continue;
    if (source.suites.length > 0 && source.suites.every((suite) => debianSuite.test(suite))) return checkMirrorUri(source.uri);
  }
  throw new ApplianceError(
    'DEBIAN_MIRROR_UNKNOWN',
    `no Debian mirror found in ${etcApt}/sources.list(.d); set MPEGFLOW_DEBIAN_MIRROR (e.g. the http URL of your Debian archive mirror)`,
  );
}

function checkMirrorUri(uri: string): string {
  if (!/^https?:\/\/[^\s/]+/.test(uri)) {
    throw new ApplianceError('DEBIAN_MIRROR_UNKNOWN', `Debian mirror must be an http(s) URL, got ${JSON.stringify(uri)}`);
  }
  return uri.replace(/\/+$/, '');
}
