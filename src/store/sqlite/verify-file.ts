import { verifyChain, type ChainVerdict, type StoredEvent } from '../audit-chain.js';
import { openDatabase } from './open-database.js';

/** Verifies the chain of a database file (the live one or a backup) read-only, streaming. */
export async function verifyDatabaseFile(path: string): Promise<ChainVerdict> {
  const db = openDatabase(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, at, actor, job_id, type, payload, prev_hash, hash FROM audit_events ORDER BY seq').iterate() as IterableIterator<
      Omit<StoredEvent, 'payload'> & { payload: string }
    >;
    function* parsed(): Generator<StoredEvent> {
      for (const r of rows) yield { ...r, payload: JSON.parse(r.payload) as unknown };
    }
    return await verifyChain(parsed());
  } finally {
    db.close();
  }
}
