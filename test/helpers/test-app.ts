import { join } from 'node:path';
import { memoryLogger } from './memory-logger.js';
import { generateToken, hashToken, newTokenId } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { Health } from '../../src/http/health.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { tempDir } from './temp-dir.js';

/** A real app on a real SQLite file, with one token per role; the log is kept in memory. */
export async function testApp() {
  const store = new SqliteStore({ path: join(tempDir(), 'mpegflow.db') });
  const { logger, logLines } = memoryLogger();
  const health = new Health();
  health.set('store', { ok: true });
  const app = createApp({ store, logger, health });
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'operator', 'viewer', 'auditor'] as const) {
    const token = generateToken();
    tokens[role] = token;
    await store.change(async (tx) => {
      const id = newTokenId();
      await tx.tokens.insert({ id, name: role, role, tokenHash: hashToken(token) });
      await tx.audit({ type: 'api_token.issued', actor: 'test', payload: { tokenId: id, role } });
    });
  }
  const auth = (role: Role, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${tokens[role]}`, ...extra } });
  return { app, store, health, tokens, auth, logLines };
}
