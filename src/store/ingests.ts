/** The life of one watch-folder file (src/ingest/). */
export type IngestState = 'detected' | 'claimed' | 'submitted' | 'done' | 'failed';

export interface IngestRecord {
  id: string;
  /** The configured watch folder root. */
  folder: string;
  name: string;
  state: IngestState;
  /** `dev:ino:size:mtimeMs` when detected. */
  fingerprint: string;
  size: number | null;
  sha256: string | null;
  inputKey: string | null;
  jobId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewIngest = Pick<IngestRecord, 'id' | 'folder' | 'name' | 'state' | 'fingerprint'> &
  Partial<Pick<IngestRecord, 'size' | 'errorCode' | 'errorMessage'>>;

export type IngestPatch = Partial<Pick<IngestRecord, 'state' | 'size' | 'sha256' | 'inputKey' | 'jobId' | 'errorCode' | 'errorMessage'>>;

export interface IngestWrites {
  insert(ingest: NewIngest): Promise<void>;
  update(id: string, patch: IngestPatch): Promise<void>;
}

export interface IngestReads {
  get(id: string): Promise<IngestRecord | undefined>;
  /** A folder's ingests, newest first. */
  recent(folder: string, limit: number): Promise<IngestRecord[]>;
  /** Ingests of a folder not finished (detected, claimed, submitted), oldest first: resumed at start. */
  unfinished(folder: string): Promise<IngestRecord[]>;
  /** The newest ingest of this file name with this fingerprint (a refused file is recorded once). */
  byFingerprint(folder: string, name: string, fingerprint: string): Promise<IngestRecord | undefined>;
  /** An earlier ingest of the same name and content that has a job (the same content is submitted once). */
  submittedWith(folder: string, name: string, sha256: string): Promise<IngestRecord | undefined>;
}
