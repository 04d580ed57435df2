import { parseArgs } from 'node:util';
import { packageVersion } from '../config/package-root.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { config } from './load-config.js';
import { submitCommand } from './submit-command.js';
import type { ClientOptions } from './api-client.js';
import type { ImportHostOptions } from './images-commands.js';
import { laddersDiffCommand, laddersListCommand, laddersSaveCommand, laddersShowCommand, versionArg } from './ladders-commands.js';
import { usage } from './usage.js';

// Command modules are imported when their command runs: a client command (submit, ladders) or
// --help starts without loading the appliance (store drivers, the runtime, image building).
const print = (line: string) => console.log(line);

class UsageError extends Error {}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  db: { type: 'string' },
  ffmpeg: { type: 'string' },
  ffprobe: { type: 'string' },
  loader: { type: 'string' },
  'library-path': { type: 'string' },
  gconv: { type: 'string' },
  ladder: { type: 'string' },
  packaging: { type: 'string' },
  wait: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  out: { type: 'string' },
  job: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  key: { type: 'string' },
  previous: { type: 'string' },
  heads: { type: 'string', multiple: true },
  role: { type: 'string' },
  ca: { type: 'string' },
  'ladder-version': { type: 'string' },
  caption: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

/** Under `mpegflow ladders`, `--version N` is a template version (`ladders show NAME --version 2`), not the program's. */
const LADDERS_OPTIONS = { ...OPTIONS, version: { type: 'string' } } as const;

/** The command word, found before the strict parse (which depends on it). */
function commandOf(argv: string[]): string | undefined {
  return parseArgs({ args: argv, allowPositionals: true, strict: false, options: OPTIONS }).positionals[0];
}

async function dispatch(argv: string[]): Promise<number> {
  if (commandOf(argv) === 'ladders') {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: LADDERS_OPTIONS });
    if (values.help) {
      print(usage);
      return 0;
    }
    const [, sub, ...rest] = positionals;
    return laddersDispatch(sub, rest, values);
  }
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  if (values.version) {
    print(packageVersion);
    return 0;
  }
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    print(usage);
    return command || values.help ? 0 : 2;
  }
  const noMore = (extra: unknown[]) => {
    if (extra.length) throw new UsageError(`unexpected argument ${String(extra[0])}`);
  };
  switch (command) {
    case 'start':
      noMore([sub, ...rest].filter(Boolean));
      return (await import('./commands.js')).startCommand(print);
    case 'init':
      noMore([sub, ...rest].filter(Boolean));
      return (await import('./commands.js')).initCommand(print);
    case 'audit':
      if (sub === 'verify') {
        noMore(rest);
        return (await import('./audit-verify-command.js')).auditVerifyCommand(
          print,
          { ...(values.db !== undefined ? { db: values.db } : {}), heads: values.heads ?? [], ...(values.key !== undefined ? { key: values.key } : {}) },
          config,
        );
      }
      if (sub === 'export') {
        noMore(rest);
        if (!values.out) throw new UsageError('mpegflow audit export needs --out FILE');
        return (await import('./audit-commands.js')).auditExportCommand(print, await config(), {
          out: values.out,
          ...(values.job !== undefined ? { jobId: values.job } : {}),
          ...(values.from !== undefined ? { from: values.from } : {}),
          ...(values.to !== undefined ? { to: values.to } : {}),
        });
      }
      if (sub === 'verify-bundle') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError('mpegflow audit verify-bundle needs exactly one FILE');
        return (await import('./audit-commands.js')).auditVerifyBundleCommand(print, rest[0], values.key, values.previous);
      }
      if (sub === 'backup') {
        noMore(rest);
        return (await import('./audit-commands.js')).backupCommand(print, await config());
      }
      throw new UsageError(`unknown audit command ${sub ?? '(none)'}; try: mpegflow audit verify | export | verify-bundle | backup`);
    case 'backup':
      if (sub === 'open') {
        if (rest.length !== 1 || !rest[0] || !values.out) throw new UsageError('mpegflow backup open needs a FILE and --out PATH');
        return (await import('./audit-commands.js')).backupOpenCommand(print, await config(), rest[0], values.out);
      }
      noMore([sub, ...rest].filter(Boolean));
      return (await import('./audit-commands.js')).backupCommand(print, await config());
    case 'images':
      return imagesDispatch(sub, rest, values);
    case 'users':
      if (sub === 'list') {
        noMore(rest);
        return (await import('./users-commands.js')).usersListCommand(print, await config());
      }
      if (sub === 'add' || sub === 'reset-password' || sub === 'reset-totp') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError(`mpegflow users ${sub} needs exactly one NAME`);
        const users = await import('./users-commands.js');
        if (sub === 'reset-password') return users.usersResetPasswordCommand(print, await config(), rest[0]);
        if (sub === 'reset-totp') return users.usersResetTotpCommand(print, await config(), rest[0]);
        return users.usersAddCommand(print, await config(), rest[0], users.parseRole(values.role));
      }
      throw new UsageError(`unknown users command ${sub ?? '(none)'}; try: mpegflow users list | add NAME --role ROLE | reset-password NAME | reset-totp NAME`);
    case 'nodes':
      if (sub === undefined || sub === 'list') {
        noMore(rest);
        return (await import('./nodes-commands.js')).nodesListCommand(print, await config());
      }
      if (sub === 'drain' || sub === 'resume') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError(`mpegflow nodes ${sub} needs exactly one ID`);
        return (await import('./nodes-commands.js')).nodesCommand(print, await config(), rest[0], sub);
      }
      throw new UsageError(`unknown nodes command ${sub}; try: mpegflow nodes [list] | drain ID | resume ID`);
    case 'tls':
      if (sub === 'ca-cert') {
        noMore(rest);
        return (await import('./tls-command.js')).tlsCaCertCommand(print, await config(), process.stderr);
      }
      throw new UsageError(`unknown tls command ${sub ?? '(none)'}; try: mpegflow tls ca-cert`);
    case 'keys':
      noMore(rest);
      if (sub === 'status') return (await import('./keys-commands.js')).keysStatusCommand(print, await config());
      if (sub === 'rotate') return (await import('./keys-commands.js')).keysRotateCommand(print, await config());
      throw new UsageError(`unknown keys command ${sub ?? '(none)'}; try: mpegflow keys status | rotate`);
    case 'doctor':
      noMore([sub, ...rest].filter(Boolean));
      return (await import('./doctor-command.js')).doctorCommand(print, await config());
    case 'submit': {
      if (!sub) throw new UsageError('mpegflow submit needs a FILE');
      noMore(rest);
      let packaging: Array<'hls' | 'dash'> | undefined;
      if (values.packaging !== undefined) {
        const list = values.packaging.split(',').map((p) => p.trim());
        if (!list.length || list.some((p) => p !== 'hls' && p !== 'dash')) throw new UsageError('--packaging: a comma-separated list of hls, dash');
        packaging = list as Array<'hls' | 'dash'>;
      }
      return submitCommand(
        {
          file: sub,
          ladder: values.ladder ?? 'professional',
          ...(values['ladder-version'] !== undefined ? { ladderVersion: versionArg(values['ladder-version'], '--ladder-version') } : {}),
          ...(packaging !== undefined ? { packaging } : {}),
          captions: values.caption ?? [],
          wait: values.wait ?? false,
          ...clientOptions(values),
        },
        { print, stderr: process.stderr, config },
        process.env,
      );
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** `--url`, `--token`, `--ca`: how a client command reaches the appliance. */
function clientOptions(values: { url?: string | undefined; token?: string | undefined; ca?: string | undefined }): ClientOptions {
  return {
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values.ca !== undefined ? { ca: values.ca } : {}),
  };
}

const LADDERS_HELP = 'try: mpegflow ladders [list] | show NAME [--version N] [--json] | create FILE.json | update FILE.json | diff NAME V1 V2';

function laddersDispatch(
  sub: string | undefined,
  rest: string[],
  values: { version?: string | undefined; json?: boolean | undefined; url?: string | undefined; token?: string | undefined; ca?: string | undefined },
): Promise<number> {
  const ctx = { io: { print, error: (line: string) => console.error(line), config }, client: clientOptions(values), env: process.env };
  const json = values.json ?? false;
  const exactly = (n: number, what: string): string[] => {
    if (rest.length !== n || rest.some((r) => !r)) throw new UsageError(`mpegflow ladders ${sub} needs ${what}`);
    return rest;
  };
  if (sub !== 'show' && values.version !== undefined) throw new UsageError(`--version N is an option of mpegflow ladders show`);
  switch (sub) {
    case undefined:
    case 'list':
      exactly(0, 'no argument');
      return laddersListCommand(ctx, { json });
    case 'show': {
      const [name] = exactly(1, 'exactly one NAME');
      return laddersShowCommand(ctx, name!, { json, ...(values.version !== undefined ? { version: versionArg(values.version, '--version') } : {}) });
    }
    case 'create':
    case 'update': {
      const [file] = exactly(1, 'exactly one FILE.json');
      return laddersSaveCommand(ctx, file!, sub);
    }
    case 'diff': {
      const [name, v1, v2] = exactly(3, 'NAME V1 V2');
      return laddersDiffCommand(ctx, name!, versionArg(v1!, 'V1'), versionArg(v2!, 'V2'), { json });
    }
    default:
      throw new UsageError(`unknown ladders command ${sub}; ${LADDERS_HELP}`);
  }
}

async function imagesDispatch(sub: string | undefined, rest: string[], values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const one = (what: string): string => {
    if (rest.length !== 1 || !rest[0]) throw new UsageError(`mpegflow images ${sub} needs exactly one ${what}`);
    return rest[0];
  };
  const none = () => {
    if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  };
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  switch (sub) {
    case 'list':
      none();
      return (await import('./images-commands.js')).imagesListCommand(print, await config());
    case 'verify':
      none();
      return (await import('./images-commands.js')).imagesVerifyCommand(print, await config());
    case 'import':
      return (await import('./images-commands.js')).imagesImportCommand(print, await config(), one('DIR'));
    case 'import-host': {
      none();
      const options: ImportHostOptions = { searchPath: process.env['PATH'] };
      for (const [key, flag] of [
        ['ffmpeg', 'ffmpeg'],
        ['ffprobe', 'ffprobe'],
        ['loader', 'loader'],
        ['libraryPath', 'library-path'],
        ['gconv', 'gconv'],
      ] as const) {
        const v = str(flag);
        if (v !== undefined) options[key] = v;
      }
      return (await import('./images-commands.js')).imagesImportHostCommand(print, await config(), options);
    }
    case 'remove':
      return (await import('./images-commands.js')).imagesRemoveCommand(print, await config(), one('ID'));
    default:
      throw new UsageError(`unknown images command ${sub ?? '(none)'}; try: mpegflow images list | import DIR | import-host | verify | remove ID`);
  }
}

/** Runs the CLI; every failure is one line on stderr and a non-zero exit, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || (err instanceof ApplianceError && err.code === 'USAGE')) {
      console.error(`mpegflow: ${messageOf(err)}\n\n${usage}`);
      return 2;
    }
    console.error(`mpegflow: ${err instanceof ApplianceError ? err.message : `unexpected error: ${messageOf(err)}`}`);
    if (process.env.MPEGFLOW_DEBUG) console.error(err);
    return 1;
  }
}
