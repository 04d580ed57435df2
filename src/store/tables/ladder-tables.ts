import { and, asc, desc, eq, max } from 'drizzle-orm';
import { canonicalJson } from '../audit-chain.js';
import type { LadderReads, LadderTemplateRecord, LadderWrites, NewLadderTemplate } from '../ladders.js';
import { first, type TableDb, type Tables } from './table-db.js';

function toRecord(row: Tables['ladderTemplates']['$inferSelect']): LadderTemplateRecord {
  return { ...row, template: JSON.parse(row.template) as unknown };
}

async function latest({ db, t }: TableDb, name: string): Promise<LadderTemplateRecord | undefined> {
  const row = await first(db.select().from(t.ladderTemplates).where(eq(t.ladderTemplates.name, name)).orderBy(desc(t.ladderTemplates.version)).limit(1));
  return row ? toRecord(row) : undefined;
}

export function ladderReads(r: TableDb): LadderReads {
  const { db, t } = r;
  return {
    list: async () => {
      const newest = db
        .select({ name: t.ladderTemplates.name, version: max(t.ladderTemplates.version).as('newest') })
        .from(t.ladderTemplates)
        .groupBy(t.ladderTemplates.name)
        .as('newest');
      const rows = await db
        .select({ row: t.ladderTemplates })
        .from(t.ladderTemplates)
        .innerJoin(newest, and(eq(t.ladderTemplates.name, newest.name), eq(t.ladderTemplates.version, newest.version)))
        .orderBy(asc(t.ladderTemplates.name));
      return rows.map((x) => toRecord(x.row));
    },
    latest: (name) => latest(r, name),
    get: async (name, version) => {
      const row = await first(
        db
          .select()
          .from(t.ladderTemplates)
          .where(and(eq(t.ladderTemplates.name, name), eq(t.ladderTemplates.version, version))),
      );
      return row ? toRecord(row) : undefined;
    },
    versions: async (name) =>
      await db
        .select({
          name: t.ladderTemplates.name,
          version: t.ladderTemplates.version,
          sha256: t.ladderTemplates.sha256,
          createdAt: t.ladderTemplates.createdAt,
          createdBy: t.ladderTemplates.createdBy,
        })
        .from(t.ladderTemplates)
        .where(eq(t.ladderTemplates.name, name))
        .orderBy(asc(t.ladderTemplates.version)),
  };
}

export function ladderWrites(w: TableDb, nowIso: () => string, touch: () => void): LadderWrites {
  return {
    insert: async (record: NewLadderTemplate) => {
      touch();
      await w.db.insert(w.t.ladderTemplates).values({ ...record, template: canonicalJson(record.template), createdAt: nowIso() });
    },
    latest: (name) => latest(w, name),
  };
}
