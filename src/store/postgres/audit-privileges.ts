import type pg from 'pg';

/** What the connected role could do to the audit tables beyond appending (empty: nothing). */
export interface AuditPrivileges {
  appendOnly: boolean;
  /** E.g. `UPDATE on audit_events`, `owner of audit_events` (an owner can disable the triggers), `superuser`. */
  held: string[];
}

/**
 * The triggers refuse UPDATE, DELETE and TRUNCATE of audit rows; a role that owns the tables
 * (or is superuser) could drop them, and one granted UPDATE/DELETE/TRUNCATE shows it was set up
 * wider than it needs. docs/cluster.md gives the grants of an append-only role.
 */
export async function auditPrivileges(client: pg.PoolClient | pg.Pool): Promise<AuditPrivileges> {
  const held: string[] = [];
  const superuser = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  if (superuser.rows[0]?.rolsuper) held.push('superuser');
  const tables = await client.query<{ name: string; upd: boolean; del: boolean; trunc: boolean; owns: boolean }>(
    `SELECT t.name,
            has_table_privilege(current_user, c.oid, 'UPDATE') AS upd,
            has_table_privilege(current_user, c.oid, 'DELETE') AS del,
            has_table_privilege(current_user, c.oid, 'TRUNCATE') AS trunc,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM (VALUES ('audit_events'), ('audit_exports')) AS t(name)
       JOIN pg_class c ON c.oid = to_regclass(t.name)
      ORDER BY t.name`,
  );
  for (const row of tables.rows) {
    if (row.owns) held.push(`owner of ${row.name}`);
    else {
      if (row.upd) held.push(`UPDATE on ${row.name}`);
      if (row.del) held.push(`DELETE on ${row.name}`);
      if (row.trunc) held.push(`TRUNCATE on ${row.name}`);
    }
  }
  return { appendOnly: held.length === 0, held };
}
