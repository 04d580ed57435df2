import { isAbsolute, join } from 'node:path';
import { unsafeTreePath } from '../../signed-tree/tree-path.js';
import { hostPort } from './loopback-host.js';

/**
 * The launch template of a component (`launch.argv`, `launch.env` in component.json) and its
 * substitution. Values are substituted into whole argv elements; nothing is ever parsed by a
 * shell. The placeholders, a fixed set:
 *
 * | placeholder | value |
 * | --- | --- |
 * | `{host}` | the loopback listen address (`127.0.0.1`, `::1`) |
 * | `{port}` | the listen port |
 * | `{dataDir}` | `<data>/s3-server/data`: the server's objects |
 * | `{homeDir}` | `<data>/s3-server/home`: the server's own config/state (also `HOME`) |
 * | `{componentDir}` | the verified component folder (read-only use) |
 * | `{accessKey}`, `{secretKey}` | the credentials — in `launch.env` only, never in argv (argv is world-readable in /proc) |
 *
 * A template string is one of:
 * - a literal with no `{` or `}`;
 * - optionally `NAME=` (a flag or word of letters, digits, `._-`, up to two leading dashes), then one of:
 *   - one whole placeholder: `{dataDir}`;
 *   - `{host}:{port}` (an address; an IPv6 host is bracketed);
 *   - `http://{host}:{port}` (a URL);
 *   - `{dataDir}/REL`, `{homeDir}/REL`, `{componentDir}/REL` with REL a safe relative path.
 */
export const ARGV_PLACEHOLDERS = ['host', 'port', 'dataDir', 'homeDir', 'componentDir'] as const;
export const ENV_PLACEHOLDERS = [...ARGV_PLACEHOLDERS, 'accessKey', 'secretKey'] as const;
export type Placeholder = (typeof ENV_PLACEHOLDERS)[number];
const DIR_PLACEHOLDERS = new Set<Placeholder>(['dataDir', 'homeDir', 'componentDir']);

export type LaunchTemplate =
  | { kind: 'literal'; text: string }
  | { kind: 'value'; prefix: string; form: 'whole'; name: Placeholder }
  | { kind: 'value'; prefix: string; form: 'address' | 'url' }
  | { kind: 'value'; prefix: string; form: 'path'; name: Placeholder; rel: string };

/** The values substituted into a launch template. */
export interface LaunchValues {
  host: string;
  port: number;
  dataDir: string;
  homeDir: string;
  componentDir: string;
  accessKey: string;
  secretKey: string;
}

const PREFIX = /^(-{0,2}[A-Za-z0-9][A-Za-z0-9._-]*=)(\{.*|http:\/\/\{.*)$/;

/** Parses one template string; `allowed` is the placeholder set of where it is used. Returns the template or why it is refused. */
export function parseTemplate(text: string, allowed: readonly Placeholder[]): { ok: true; template: LaunchTemplate } | { ok: false; reason: string } {
  if (text.includes('\0')) return { ok: false, reason: 'holds a NUL byte' };
  if (!text.includes('{') && !text.includes('}')) return { ok: true, template: { kind: 'literal', text } };
  const m = PREFIX.exec(text);
  const prefix = m ? (m[1] as string) : '';
  const rest = m ? (m[2] as string) : text;
  if (rest === '{host}:{port}') return { ok: true, template: { kind: 'value', prefix, form: 'address' } };
  if (rest === 'http://{host}:{port}') return { ok: true, template: { kind: 'value', prefix, form: 'url' } };
  const whole = /^\{([A-Za-z]+)\}$/.exec(rest);
  if (whole) {
    const name = whole[1] as Placeholder;
    if (!(ENV_PLACEHOLDERS as readonly string[]).includes(name)) return { ok: false, reason: `unknown placeholder {${name}}` };
    if (!allowed.includes(name))
      return {
        ok: false,
        reason: `placeholder {${name}} is not allowed here${name === 'accessKey' || name === 'secretKey' ? ' (credentials go in launch.env only)' : ''}`,
      };
    return { ok: true, template: { kind: 'value', prefix, form: 'whole', name } };
  }
  const path = /^\{([A-Za-z]+)\}\/([^{}]+)$/.exec(rest);
  if (path) {
    const name = path[1] as Placeholder;
    const rel = path[2] as string;
    if (!DIR_PLACEHOLDERS.has(name) || !allowed.includes(name)) return { ok: false, reason: `{${name}}/… is not a folder placeholder` };
    const why = unsafeTreePath(rel);
    if (why) return { ok: false, reason: `path after {${name}}/ ${why}` };
    return { ok: true, template: { kind: 'value', prefix, form: 'path', name, rel } };
  }
  return {
    ok: false,
    reason:
      'a placeholder may fill only a whole element, optionally after NAME=: {name}, {host}:{port}, http://{host}:{port} or {dataDir|homeDir|componentDir}/path',
  };
}

/** Substitutes the values into a parsed template (no further interpretation of the result). */
export function renderTemplate(template: LaunchTemplate, values: LaunchValues): string {
  if (template.kind === 'literal') return template.text;
  switch (template.form) {
    case 'address':
      return template.prefix + hostPort(values.host, values.port);
    case 'url':
      return `${template.prefix}http://${hostPort(values.host, values.port)}`;
    case 'whole':
      return template.prefix + String(values[template.name]);
    case 'path':
      return template.prefix + join(String(values[template.name]), template.rel);
  }
}

function parsedOrThrow(text: string, allowed: readonly Placeholder[]): LaunchTemplate {
  const parsed = parseTemplate(text, allowed);
  if (!parsed.ok) throw new Error(`launch template ${JSON.stringify(text)}: ${parsed.reason}`);
  return parsed.template;
}

/**
 * The argv to execute: argv[0] (a path relative to the component, already verified to be a listed
 * executable file) becomes absolute; every other element is rendered from its template.
 */
export function launchArgv(argvTemplate: readonly string[], values: LaunchValues): string[] {
  const [first, ...rest] = argvTemplate;
  if (first === undefined || isAbsolute(first) || first.includes('{')) throw new Error('launch.argv[0] must be a file of the component');
  return [join(values.componentDir, first), ...rest.map((t) => renderTemplate(parsedOrThrow(t, ARGV_PLACEHOLDERS), values))];
}

/** The environment of the server: `base` (e.g. PATH, LANG), HOME = `{homeDir}`, then the manifest's `launch.env`, rendered. */
export function launchEnv(envTemplate: Readonly<Record<string, string>>, values: LaunchValues, base: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { ...base, HOME: values.homeDir };
  for (const [name, text] of Object.entries(envTemplate)) env[name] = renderTemplate(parsedOrThrow(text, ENV_PLACEHOLDERS), values);
  return env;
}

/** The S3 endpoint the component serves (`s3.endpoint` is `http://{host}:{port}`). */
export function endpointOf(values: Pick<LaunchValues, 'host' | 'port'>): string {
  return `http://${hostPort(values.host, values.port)}`;
}
