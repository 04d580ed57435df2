CREATE TABLE `data_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`kek_id` text NOT NULL,
	`wrapped` text NOT NULL,
	`bucket` text NOT NULL,
	`object_key` text NOT NULL,
	`sha256` text,
	`size` integer,
	`created_at` text NOT NULL,
	`rewrapped_at` text
);
--> statement-breakpoint
CREATE INDEX `data_keys_kek` ON `data_keys` (`kek_id`);