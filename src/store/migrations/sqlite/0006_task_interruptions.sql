ALTER TABLE `tasks` ADD `interruptions` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `audit_events_type_seq` ON `audit_events` (`type`,`seq`);