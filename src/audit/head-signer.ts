import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { PrivateKey } from 'openpgp';
import { ApplianceError } from '../errors/appliance-error.js';
import { signDetachedBinary } from '../signing/binary-signatures.js';
import { GENESIS_HASH } from '../store/audit-chain.js';
import type { Store } from '../store/store.js';
import { HEAD_CODES } from './head-findings.js';
import { appendHeadLine, readHeadLogText } from './head-log-file.js';
import { HEAD_FORMAT, headLine, lineHash, NO_PREVIOUS_HEAD, parseHeadLine, signedText, splitHeadLog, type HeadReason, type HeadRecord } from './head-record.js';
import { writeSinkHead } from './head-sink.js';

export interface HeadSignerOptions {
  store: Store;
  /** The audit key, read once (`<data>/secrets/audit-key.asc`). */
  key: PrivateKey;
  /** `<data>/audit-heads.log`. */
  logPath: string;
  /** The external write-once folder (config `auditHeads.sink`), or null. */
  sink: string | null;
  /** How often the head is signed while events are appended (config `auditHeads.intervalSeconds`). */
  intervalMs: number;
  actor: string;
  now?: () => Date;
  /** A head could not be signed or written (the appliance keeps running). */
  onError?: (err: unknown) => void;
  /** The sink took the last head (true) or failed (false). */
  onSink?: (ok: boolean, err?: unknown) => void;
}

/** How the head log was found at start. */
export type HeadLogOpened =
  | { state: 'existing'; log: string; heads: number; torn: boolean }
  | { state: 'started'; log: string }
  | { state: 'gap'; log: string; previousLog: string | null; seq: number };

const newLogId = (now: Date) => `hl_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;

/**
 * Signs the audit chain's head into the head log: at an interval while events are appended
 * (nothing new, nothing signed), at start and at a clean stop. Each head names the previous
 * line's sha256. Only the running appliance signs (one writer of the log).
 */
export class HeadSigner {
  readonly #o: HeadSignerOptions;
  readonly #now: () => Date;
  readonly #fingerprint: string;
  #state: { log: string; n: number; previous: string; last: HeadRecord | null; torn: boolean } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: HeadSignerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#fingerprint = options.key.getFingerprint().toUpperCase();
  }

  /**
   * Reads the log's last head. A missing log is not fatal: a new one is started, and when
   * an earlier log existed (the chain records one, or `knownLog`: heads found in backups or
   * the sink), the gap is audited (`audit.head_log.gap`).
   */
  async open(hint: { knownLog?: string | null } = {}): Promise<HeadLogOpened> {
    const { store, actor } = this.#o;
    const text = await readHeadLogText(this.#o.logPath);
    if (text !== null) {
      const { lines, torn } = splitHeadLog(text);
      for (let i = lines.length - 1; i >= 0; i--) {
        const parsed = parseHeadLine(lines[i]!, i + 1);
        if (typeof parsed === 'string') continue;
        this.#state = { log: parsed.record.log, n: parsed.record.n, previous: lineHash(parsed.line), last: parsed.record, torn: torn !== null };
        return { state: 'existing', log: parsed.record.log, heads: lines.length, torn: torn !== null };
      }
    }
    const log = newLogId(this.#now());
    const earlier = [
      ...(await store.audit.list({ type: 'audit.head_log.started', limit: 10000 })),
      ...(await store.audit.list({ type: 'audit.head_log.gap', limit: 10000 })),
    ].sort((a, b) => a.seq - b.seq);
    const previousLog = ((earlier.at(-1)?.payload as { log?: string } | undefined)?.log ?? hint.knownLog ?? null) as string | null;
    const head = (await store.audit.head()) ?? { seq: 0, hash: GENESIS_HASH };
    const file = basename(this.#o.logPath);
    // A log existed before if the chain says so, the file held something, or heads were found elsewhere (backups, sink).
    const gap = earlier.length > 0 || (text !== null && text.length > 0) || Boolean(hint.knownLog);
    const event = await store.change(async (tx) =>
      tx.audit({
        type: gap ? 'audit.head_log.gap' : 'audit.head_log.started',
        actor,
        payload: gap
          ? { log, file, previousLog, chainHead: head, reason: text === null ? 'the head log was missing at start' : 'the head log holds no readable head' }
          : { log, file, chainHead: head },
      }),
    );
    this.#state = { log, n: 0, previous: NO_PREVIOUS_HEAD, last: null, torn: text !== null && text.length > 0 && !text.endsWith('\n') };
    return gap ? { state: 'gap', log, previousLog, seq: event.seq } : { state: 'started', log };
  }

  /** Signs the current head now, unless it is the last one signed; one at a time. */
  sign(reason: HeadReason): Promise<HeadRecord | null> {
    const run = this.#tail.then(
      () => this.#sign(reason),
      () => this.#sign(reason),
    );
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Signs at the interval (each tick a no-op when nothing was appended). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.sign('interval').catch((err: unknown) => this.#o.onError?.(err));
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the interval and signs the final head (the clean stop's). */
  async stop(): Promise<HeadRecord | null> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return this.sign('stop');
  }

  async #sign(reason: HeadReason): Promise<HeadRecord | null> {
    const state = this.#state;
    if (!state) throw new Error('HeadSigner.open() first');
    const { store } = this.#o;
    let head = (await store.audit.head()) ?? { seq: 0, hash: GENESIS_HASH };
    const last = state.last;
    if (last && head.seq === last.seq && head.hash === last.hash) return null;
    if (head.seq === 0) return null;
    if (last && (head.seq <= last.seq || (await store.audit.hashOf(last.seq)) !== last.hash)) {
      // Never sign a head that contradicts the last one: that is the finding itself.
      const err =
        head.seq < last.seq
          ? new ApplianceError(HEAD_CODES.chainTruncated, `the chain ends at seq ${head.seq}, below the last signed head's seq ${last.seq}: not signing`)
          : new ApplianceError(HEAD_CODES.chainMismatch, `the chain at seq ${last.seq} differs from the last signed head ${last.n}: not signing`);
      this.#o.onError?.(err);
      return null;
    }
    let at = this.#now();
    if (last && at.getTime() < Date.parse(last.at)) {
      // Recorded in the chain (so the head signed next covers it); the head keeps the clock's time.
      await store.change(
        async (tx) =>
          void (await tx.audit({
            type: 'audit.clock_went_back',
            actor: this.#o.actor,
            payload: { log: state.log, lastHead: last.n, lastHeadAt: last.at, now: at.toISOString(), behindMs: Date.parse(last.at) - at.getTime() },
          })),
      );
      head = (await store.audit.head()) ?? head;
      at = this.#now();
    }
    const record: HeadRecord = {
      format: HEAD_FORMAT,
      log: state.log,
      n: state.n + 1,
      seq: head.seq,
      hash: head.hash,
      at: at.toISOString(),
      reason,
      previous: state.previous,
      key: this.#fingerprint,
    };
    const signature = await signDetachedBinary(this.#o.key, Buffer.from(signedText(record), 'utf8'));
    const line = headLine(record, signature);
    // After a torn last line the next head starts on a line of its own (the torn one stays: it is evidence).
    appendHeadLine(this.#o.logPath, state.torn ? `\n${line}` : line);
    this.#state = { log: state.log, n: record.n, previous: lineHash(line), last: record, torn: false };
    if (this.#o.sink) {
      try {
        writeSinkHead(this.#o.sink, record, line);
        this.#o.onSink?.(true);
      } catch (err) {
        this.#o.onSink?.(false, err);
      }
    }
    return record;
  }
}
