import { readHostFacts } from '../config/host.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** The appliance's configuration as this process's environment and working directory give it. */
export async function config(): Promise<Config> {
  return loadConfig({ env: process.env, host: await readHostFacts(), cwd: process.cwd() });
}
