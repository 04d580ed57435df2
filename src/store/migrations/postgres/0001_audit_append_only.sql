-- The audit trail and its export checkpoints are append-only: the database itself refuses
-- UPDATE, DELETE and TRUNCATE (docs/cluster.md: the appliance's role also holds no such privilege).
CREATE FUNCTION mpegflow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION mpegflow_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION mpegflow_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_exports_append_only BEFORE UPDATE OR DELETE ON audit_exports FOR EACH ROW EXECUTE FUNCTION mpegflow_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_exports_no_truncate BEFORE TRUNCATE ON audit_exports FOR EACH STATEMENT EXECUTE FUNCTION mpegflow_refuse_change();
