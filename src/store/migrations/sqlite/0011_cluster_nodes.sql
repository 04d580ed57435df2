CREATE TABLE `duties` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`process` text NOT NULL,
	`roles` text NOT NULL,
	`pools` text NOT NULL,
	`version` text NOT NULL,
	`images` text NOT NULL,
	`state` text NOT NULL,
	`started_at` text NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`load` text DEFAULT '{}' NOT NULL,
	`stopped_at` text
);
