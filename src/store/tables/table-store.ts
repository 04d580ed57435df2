import type { StoreReads } from './store-reads.js';

/**
 * The read side both drivers answer with the same queries (store-reads.ts); a driver extends
 * it with its writes, its audit append, and the reads that write (lease renewal, heartbeats).
 */
export abstract class TableStore {
  protected abstract readonly reads: StoreReads;

  get jobs() {
    return this.reads.jobs;
  }

  get users() {
    return this.reads.users;
  }

  get tokens() {
    return this.reads.tokens;
  }

  get images() {
    return this.reads.images;
  }

  get webhooks() {
    return this.reads.webhooks;
  }

  get ingests() {
    return this.reads.ingests;
  }

  get stats() {
    return this.reads.stats;
  }

  get ladders() {
    return this.reads.ladders;
  }

  get auditExports() {
    return this.reads.auditExports;
  }
}
