export { IngestService } from './ingest-service.js';
export { procOpenWriters, type OpenWriters } from './open-writers.js';
export type { IngestDeps, WatchFolderConfig } from './folder-context.js';
