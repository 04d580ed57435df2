import type { Health } from '../src/http/health.js';

/** Reports watch folders in `/healthz` (check `watchFolders`): degraded while one is unavailable. */
export function watchFolderHealth(health: Health, count: number): (folder: string, problem: string | undefined) => void {
  const problems = new Map<string, string>();
  const report = () =>
    health.set(
      'watchFolders',
      problems.size === 0 ? { ok: true, detail: `${count} watched` } : { ok: false, detail: [...problems].map(([f, p]) => `${f}: ${p}`).join('; ') },
    );
  if (count > 0) report();
  return (folder, problem) => {
    if (problem === undefined) problems.delete(folder);
    else problems.set(folder, problem);
    report();
  };
}
