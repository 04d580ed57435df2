import type { Config } from './schema.js';

/** The config with its secrets replaced, for logs and the audited config hash. */
export function redactedConfig(config: Config): unknown {
  return {
    ...config,
    adminTokenSeed: config.adminTokenSeed ? '[redacted]' : null,
    storage: config.storage.kind === 's3' ? { ...config.storage, secretKey: '[redacted]' } : config.storage,
    database: config.database.kind === 'postgres' ? { ...config.database, url: config.database.url.replace(/\/\/[^@/]*@/, '//[redacted]@') } : config.database,
    webhooks: config.webhooks.map((w) => ({ ...w, secret: '[redacted]' })),
  };
}
