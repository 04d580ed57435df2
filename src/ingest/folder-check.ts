import { lstat, mkdir } from 'node:fs/promises';
import { messageOf } from '../errors/appliance-error.js';
import { lstatOrNone } from './file-moves.js';
import type { FolderContext } from './folder-context.js';

export async function folderProblem(ctx: FolderContext): Promise<string | undefined> {
  try {
    const root = await lstatOrNone(ctx.root);
    if (!root) return 'the folder does not exist';
    if (root.isSymbolicLink()) return 'the folder is a symbolic link (configure the real path)';
    if (!root.isDirectory()) return 'not a directory';
    for (const dir of [ctx.processing, ctx.done, ctx.failed]) {
      await mkdir(dir, { mode: 0o750 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      const st = await lstat(dir);
      if (!st.isDirectory() || st.isSymbolicLink()) return `${dir} is not a directory (a symbolic link or a file is refused)`;
      if (st.dev !== root.dev) return `${dir} is on another filesystem (a claim must be a rename)`;
    }
    return undefined;
  } catch (err) {
    // Removed between the checks above: say so plainly.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstatOrNone(ctx.root).catch(() => undefined))) return 'the folder does not exist';
    return messageOf(err);
  }
}

export async function auditFolder(ctx: FolderContext, type: string, payload: Record<string, unknown>): Promise<void> {
  await ctx.store.change(async (tx) => void (await tx.audit({ type, actor: ctx.actor, payload: { folder: ctx.root, ...payload } })));
}
