import { parseArgs } from 'node:util';
import { packageVersion } from '../config/package-root.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { config, initCommand, startCommand } from './commands.js';
import { auditVerifyCommand } from './audit-verify-command.js';
import { imagesImportCommand, imagesImportHostCommand, imagesListCommand, imagesRemoveCommand, imagesVerifyCommand } from './images-commands.js';
import { submitCommand } from './submit-command.js';
import { parseRole, usersAddCommand, usersListCommand, usersResetPasswordCommand, usersResetTotpCommand } from './users-commands.js';
import { doctorCommand } from './doctor-command.js';
import { tlsCaCertCommand } from './tls-command.js';
import { keysRotateCommand, keysStatusCommand } from './keys-commands.js';
import { nodesCommand, nodesListCommand } from './nodes-commands.js';
import { usage } from './usage.js';
import { auditExportCommand, auditVerifyBundleCommand, backupCommand, backupOpenCommand } from './audit-commands.js';

const print = (line: string) => console.log(line);

class UsageError extends Error {}

async function dispatch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
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
    },
  });
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
      return startCommand(print);
    case 'init':
      noMore([sub, ...rest].filter(Boolean));
      return initCommand(print);
    case 'audit':
      if (sub === 'verify') {
        noMore(rest);
        return auditVerifyCommand(
          print,
          { ...(values.db !== undefined ? { db: values.db } : {}), heads: values.heads ?? [], ...(values.key !== undefined ? { key: values.key } : {}) },
          config,
        );
      }
      if (sub === 'export') {
        noMore(rest);
        if (!values.out) throw new UsageError('mpegflow audit export needs --out FILE');
        return auditExportCommand(print, await config(), {
          out: values.out,
          ...(values.job !== undefined ? { jobId: values.job } : {}),
          ...(values.from !== undefined ? { from: values.from } : {}),
          ...(values.to !== undefined ? { to: values.to } : {}),
        });
      }
      if (sub === 'verify-bundle') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError('mpegflow audit verify-bundle needs exactly one FILE');
        return auditVerifyBundleCommand(print, rest[0], values.key, values.previous);
      }
      if (sub === 'backup') {
        noMore(rest);
        return backupCommand(print, await config());
      }
      throw new UsageError(`unknown audit command ${sub ?? '(none)'}; try: mpegflow audit verify | export | verify-bundle | backup`);
    case 'backup':
      if (sub === 'open') {
        if (rest.length !== 1 || !rest[0] || !values.out) throw new UsageError('mpegflow backup open needs a FILE and --out PATH');
        return backupOpenCommand(print, await config(), rest[0], values.out);
      }
      noMore([sub, ...rest].filter(Boolean));
      return backupCommand(print, await config());
    case 'images':
      return imagesDispatch(sub, rest, values);
    case 'users':
      if (sub === 'list') {
        noMore(rest);
        return usersListCommand(print, await config());
      }
      if (sub === 'add' || sub === 'reset-password' || sub === 'reset-totp') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError(`mpegflow users ${sub} needs exactly one NAME`);
        if (sub === 'reset-password') return usersResetPasswordCommand(print, await config(), rest[0]);
        if (sub === 'reset-totp') return usersResetTotpCommand(print, await config(), rest[0]);
        return usersAddCommand(print, await config(), rest[0], parseRole(values.role));
      }
      throw new UsageError(`unknown users command ${sub ?? '(none)'}; try: mpegflow users list | add NAME --role ROLE | reset-password NAME | reset-totp NAME`);
    case 'nodes':
      if (sub === undefined || sub === 'list') {
        noMore(rest);
        return nodesListCommand(print, await config());
      }
      if (sub === 'drain' || sub === 'resume') {
        if (rest.length !== 1 || !rest[0]) throw new UsageError(`mpegflow nodes ${sub} needs exactly one ID`);
        return nodesCommand(print, await config(), rest[0], sub);
      }
      throw new UsageError(`unknown nodes command ${sub}; try: mpegflow nodes [list] | drain ID | resume ID`);
    case 'tls':
      if (sub === 'ca-cert') {
        noMore(rest);
        return tlsCaCertCommand(print, await config(), process.stderr);
      }
      throw new UsageError(`unknown tls command ${sub ?? '(none)'}; try: mpegflow tls ca-cert`);
    case 'keys':
      noMore(rest);
      if (sub === 'status') return keysStatusCommand(print, await config());
      if (sub === 'rotate') return keysRotateCommand(print, await config());
      throw new UsageError(`unknown keys command ${sub ?? '(none)'}; try: mpegflow keys status | rotate`);
    case 'doctor':
      noMore([sub, ...rest].filter(Boolean));
      return doctorCommand(print, await config());
    case 'submit': {
      if (!sub) throw new UsageError('mpegflow submit needs a FILE');
      noMore(rest);
      const packaging = (values.packaging ?? 'hls,dash').split(',').map((p) => p.trim());
      if (!packaging.length || packaging.some((p) => p !== 'hls' && p !== 'dash')) throw new UsageError('--packaging: a comma-separated list of hls, dash');
      return submitCommand(
        {
          file: sub,
          ladder: values.ladder ?? 'professional',
          packaging: packaging as Array<'hls' | 'dash'>,
          wait: values.wait ?? false,
          ...(values.url !== undefined ? { url: values.url } : {}),
          ...(values.token !== undefined ? { token: values.token } : {}),
          ...(values.ca !== undefined ? { ca: values.ca } : {}),
        },
        { print, stderr: process.stderr, config },
        process.env,
      );
    }
    default:
      throw new UsageError(`unknown command ${command}`);
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
      return imagesListCommand(print, await config());
    case 'verify':
      none();
      return imagesVerifyCommand(print, await config());
    case 'import':
      return imagesImportCommand(print, await config(), one('DIR'));
    case 'import-host': {
      none();
      const options: Parameters<typeof imagesImportHostCommand>[2] = { searchPath: process.env['PATH'] };
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
      return imagesImportHostCommand(print, await config(), options);
    }
    case 'remove':
      return imagesRemoveCommand(print, await config(), one('ID'));
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
