CREATE TABLE `ingests` (
	`id` text PRIMARY KEY NOT NULL,
	`folder` text NOT NULL,
	`name` text NOT NULL,
	`state` text NOT NULL,
	`fingerprint` text NOT NULL,
	`size` integer,
	`sha256` text,
	`input_key` text,
	`job_id` text,
	`error_code` text,
	`error_message` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingests_folder_created` ON `ingests` (`folder`,`created_at`);--> statement-breakpoint
CREATE INDEX `ingests_folder_name_sha` ON `ingests` (`folder`,`name`,`sha256`);