import type { Stats } from 'node:fs';
import type { IngestRecord } from '../store/ingests.js';

export interface Candidate {
  ingest: IngestRecord;
  /** `dev:ino` of the file the record is about. */
  identity: string;
  /** The last fingerprint seen, and since when it has not changed. */
  fingerprint: string;
  since: number;
  stats: Stats;
  /** A caption file (by its extension): never a master, a sidecar of one (src/ingest/sidecars.ts). */
  caption: boolean;
}

export const identityOf = (st: Stats) => `${st.dev}:${st.ino}`;
/** Sidecars go into a job in name order (code units: the same on every host). */
export const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
