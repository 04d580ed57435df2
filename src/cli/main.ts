import { parseArgs } from 'node:util';
import { packageVersion } from '../config/package-root.js';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import { auditVerifyCommand, initCommand, startCommand } from './commands.js';
import { usage } from './usage.js';

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
        return auditVerifyCommand(print, values.db);
      }
      throw new UsageError(`unknown audit command ${sub ?? '(none)'}; try: mpegflow audit verify`);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** Runs the CLI; every failure is one line on stderr and a non-zero exit, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`mpegflow: ${messageOf(err)}\n\n${usage}`);
      return 2;
    }
    console.error(`mpegflow: ${err instanceof ApplianceError ? err.message : `unexpected error: ${messageOf(err)}`}`);
    if (process.env.MPEGFLOW_DEBUG) console.error(err);
    return 1;
  }
}
