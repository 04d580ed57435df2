ALTER TABLE `webhook_deliveries` ADD `event_type` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `job_id` text;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `body` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `last_attempt_at` text;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `source` text DEFAULT 'api' NOT NULL;