export { COMPONENT_CODES } from './component-errors.js';
export {
  COMPONENT_FILE,
  COMPONENT_SIGNATURE_FILE,
  COMPONENT_SCHEMA,
  componentIdOf,
  parseComponentManifest,
  type ComponentManifest,
} from './component-manifest.js';
export { listComponentFiles, signComponentManifest } from './component-files.js';
export { verifyComponentDir, type VerifiedComponent } from './verify-component.js';
export { ARGV_PLACEHOLDERS, ENV_PLACEHOLDERS, launchArgv, launchEnv, parseTemplate, type LaunchValues } from './launch-argv.js';
export { loopbackHost } from './loopback-host.js';
export { credentialsPath, loadOrCreateCredentials, type S3ServerCredentials } from './credentials.js';
export {
  DEFAULT_RESTART,
  S3ServerSupervisor,
  s3ServerPaths,
  s3StoreConfig,
  startS3Server,
  type RestartPolicy,
  type S3ServerEndpoint,
  type S3ServerEvent,
  type S3ServerOptions,
  type S3ServerPaths,
  type S3ServerState,
} from './s3-server-supervisor.js';
