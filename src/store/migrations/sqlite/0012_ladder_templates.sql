CREATE TABLE `ladder_templates` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`template` text NOT NULL,
	`sha256` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ladder_templates_name_version` ON `ladder_templates` (`name`,`version`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `ladder_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- Template versions are kept as saved: a job pins (name, version) and its audit names the sha256.
CREATE TRIGGER `ladder_templates_no_update` BEFORE UPDATE ON `ladder_templates`
BEGIN
  SELECT RAISE(ABORT, 'ladder_templates is append-only: UPDATE refused');
END;
--> statement-breakpoint
CREATE TRIGGER `ladder_templates_no_delete` BEFORE DELETE ON `ladder_templates`
BEGIN
  SELECT RAISE(ABORT, 'ladder_templates is append-only: DELETE refused');
END;
