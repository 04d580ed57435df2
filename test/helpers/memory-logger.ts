import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger.js';

/** A real pino logger whose JSON lines are kept in memory, for asserting what was logged. */
export function memoryLogger(level = 'info'): { logger: Logger; logLines: string[] } {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).trim().split('\n'));
      cb();
    },
  });
  return { logger: createLogger(level, sink), logLines };
}
