CREATE TABLE `audit_exports` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`actor` text NOT NULL,
	`job_id` text,
	`range_from` text,
	`range_to` text,
	`anchor_seq` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`head_seq` integer NOT NULL,
	`head_hash` text NOT NULL,
	`previous_id` text,
	`previous_head_seq` integer,
	`previous_head_hash` text,
	`bundle_sha256` text NOT NULL,
	`bundle_size` integer NOT NULL
);
--> statement-breakpoint
-- Export checkpoints are append-only like the audit trail they certify.
CREATE TRIGGER `audit_exports_no_update` BEFORE UPDATE ON `audit_exports`
BEGIN
  SELECT RAISE(ABORT, 'audit_exports is append-only: UPDATE refused');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_exports_no_delete` BEFORE DELETE ON `audit_exports`
BEGIN
  SELECT RAISE(ABORT, 'audit_exports is append-only: DELETE refused');
END;
