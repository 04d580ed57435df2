import { and, asc, eq, lt, or } from 'drizzle-orm';
import { canonicalJson } from '../audit-chain.js';
import type { DutyLeases, NewNode, NodeLoad, NodeReads, NodeRecord, NodeRole, NodeState, NodeWrites, NodePool } from '../nodes.js';
import { first, type TableDb, type Tables } from './table-db.js';

function toNode(row: Tables['nodes']['$inferSelect']): NodeRecord {
  return {
    ...row,
    roles: JSON.parse(row.roles) as NodeRole[],
    pools: JSON.parse(row.pools) as NodePool[],
    images: JSON.parse(row.images) as string[],
    state: row.state as NodeState,
    load: JSON.parse(row.load) as NodeLoad,
  };
}

const noLoad: NodeLoad = { running: [], loadAverage: 0 };

async function nodeById({ db, t }: TableDb, id: string): Promise<NodeRecord | undefined> {
  const row = await first(db.select().from(t.nodes).where(eq(t.nodes.id, id)));
  return row ? toNode(row) : undefined;
}

/** Node writes inside a transaction; `touch` marks that state was written. */
export function nodeWrites(w: TableDb, touch: () => void): NodeWrites {
  const { db, t } = w;
  return {
    get: (id) => nodeById(w, id),
    register: async (node: NewNode) => {
      touch();
      const row = {
        ...node,
        roles: canonicalJson(node.roles),
        pools: canonicalJson(node.pools),
        images: canonicalJson(node.images),
        state: 'running',
        load: canonicalJson(noLoad),
        stoppedAt: null,
      };
      await db
        .insert(t.nodes)
        .values(row)
        .onConflictDoUpdate({ target: t.nodes.id, set: { ...row, id: undefined } });
    },
    setState: async (id, state, at) => {
      touch();
      await db
        .update(t.nodes)
        .set({ state, ...(state === 'stopped' ? { stoppedAt: at } : {}) })
        .where(eq(t.nodes.id, id));
    },
  };
}

/** Node reads, and the heartbeat (a direct write). */
export function nodeReads(r: TableDb): NodeReads {
  const { db, t } = r;
  return {
    list: async () => (await db.select().from(t.nodes).orderBy(asc(t.nodes.id))).map(toNode),
    get: (id) => nodeById(r, id),
    heartbeat: async (id, process, at, load) => {
      const beat = await db
        .update(t.nodes)
        .set({ heartbeatAt: at, load: canonicalJson(load) })
        .where(and(eq(t.nodes.id, id), eq(t.nodes.process, process)))
        .returning({ state: t.nodes.state });
      return (beat[0]?.state as NodeState | undefined) ?? null;
    },
  };
}

/** Named duty leases (one holder at a time): the same upsert on both dialects. */
export function dutyLeases({ db, t }: TableDb): DutyLeases {
  return {
    claim: async (name, owner, now, ttlMs) => {
      const held = await db
        .insert(t.duties)
        .values({ name, owner, expiresAt: now + ttlMs })
        .onConflictDoUpdate({
          target: t.duties.name,
          set: { owner, expiresAt: now + ttlMs },
          setWhere: or(eq(t.duties.owner, owner), lt(t.duties.expiresAt, now)),
        })
        .returning({ owner: t.duties.owner });
      return held[0]?.owner === owner;
    },
    release: async (name, owner) => {
      await db.delete(t.duties).where(and(eq(t.duties.name, name), eq(t.duties.owner, owner)));
    },
  };
}
