export * from './object-store.js';
export { assertKey, assertPrefix, keyProblem, isBucket, MAX_KEY_BYTES } from './keys.js';
export { STORAGE_CODES } from './storage-errors.js';
export { EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { createStore, openStore, type StoreConfig } from './create-store.js';
export { HashingStream, StreamDigest, READ_CHUNK_BYTES } from './hashing-stream.js';
export { sweepLifecycle, deleteJobIntermediates, type SweepOptions, type SweepReport, type DeleteEvent, type DeleteReason } from './lifecycle.js';
export { scheduleLifecycle, type LifecycleSchedule, type LifecycleScheduleOptions } from './lifecycle-schedule.js';
