import type { Config } from '../config/schema.js';
import type { IngestDeps } from './folder-context.js';
import { WatchFolder, type PassReport } from './watch-folder.js';

/**
 * Every configured watch folder. Started after the job runtime (it submits jobs), stopped
 * before it: a stop aborts an ingest in flight, whose file stays in `.processing/` and is
 * resumed at the next start.
 */
export class IngestService {
  readonly #folders: WatchFolder[];
  readonly #abort = new AbortController();

  constructor(deps: IngestDeps, folders: Config['watchFolders']) {
    this.#folders = folders.map((folder) => new WatchFolder(deps, folder, this.#abort.signal));
  }

  async start(): Promise<void> {
    for (const folder of this.#folders) await folder.start();
  }

  /** Looks at every folder now (tests, and after a configuration change). */
  kick(): void {
    for (const folder of this.#folders) folder.kick();
  }

  /**
   * Resolves once every folder has finished a pass that started after this call, with each
   * folder's report in configuration order: how tests (and a reload) wait for a look, not a time.
   */
  nextPass(): Promise<PassReport[]> {
    return Promise.all(this.#folders.map((folder) => folder.nextPass()));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#folders.map((folder) => folder.stop()));
  }
}
