CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"user_id" text,
	"created_at" text NOT NULL,
	"expires_at" text,
	"revoked_at" text,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" text NOT NULL,
	"actor" text NOT NULL,
	"job_id" text,
	"type" text NOT NULL,
	"payload" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_exports" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" text NOT NULL,
	"actor" text NOT NULL,
	"job_id" text,
	"range_from" text,
	"range_to" text,
	"anchor_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"head_seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"previous_id" text,
	"previous_head_seq" bigint,
	"previous_head_hash" text,
	"bundle_sha256" text NOT NULL,
	"bundle_size" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"kek_id" text NOT NULL,
	"wrapped" text NOT NULL,
	"bucket" text NOT NULL,
	"object_key" text NOT NULL,
	"sha256" text,
	"size" bigint,
	"created_at" text NOT NULL,
	"rewrapped_at" text
);
--> statement-breakpoint
CREATE TABLE "encoder_images" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"path" text NOT NULL,
	"manifest" text NOT NULL,
	"state" text NOT NULL,
	"imported_at" text NOT NULL,
	"verified_at" text,
	"removed_at" text
);
--> statement-breakpoint
CREATE TABLE "ingests" (
	"id" text PRIMARY KEY NOT NULL,
	"folder" text NOT NULL,
	"name" text NOT NULL,
	"state" text NOT NULL,
	"fingerprint" text NOT NULL,
	"size" bigint,
	"sha256" text,
	"input_key" text,
	"job_id" text,
	"error_code" text,
	"error_message" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"input_key" text NOT NULL,
	"input_sha256" text,
	"input_size" bigint,
	"ladder" text NOT NULL,
	"packaging" text NOT NULL,
	"encoder_image" text NOT NULL,
	"policy" text NOT NULL,
	"idempotency_key" text,
	"request_hash" text,
	"submitted_by" text NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"outputs" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"last_seen_at" bigint,
	"revoked_at" text,
	CONSTRAINT "sessions_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"kind" text NOT NULL,
	"rendition" text,
	"state" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"interruptions" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"lease_owner" text,
	"lease_expires_at" bigint,
	"fencing_token" integer DEFAULT 0 NOT NULL,
	"run_after" bigint DEFAULT 0 NOT NULL,
	"input" text,
	"output" text,
	"error_code" text,
	"error_message" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"locked_until" bigint,
	"created_at" text NOT NULL,
	"disabled_at" text,
	"totp_secret" text,
	"totp_enrolled_at" text,
	"totp_last_step" bigint,
	"totp_pending_secret" text,
	"totp_recovery_hashes" text,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"event_seq" bigint NOT NULL,
	"event_type" text DEFAULT '' NOT NULL,
	"job_id" text,
	"body" text DEFAULT '' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"response_code" integer,
	"error" text,
	"next_attempt_at" bigint,
	"last_attempt_at" text,
	"created_at" text NOT NULL,
	"delivered_at" text
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"events" text NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"created_at" text NOT NULL,
	"disabled_at" text
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_job" ON "audit_events" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_at" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_type_seq" ON "audit_events" USING btree ("type","seq");--> statement-breakpoint
CREATE INDEX "data_keys_kek" ON "data_keys" USING btree ("kek_id");--> statement-breakpoint
CREATE INDEX "ingests_folder_created" ON "ingests" USING btree ("folder","created_at");--> statement-breakpoint
CREATE INDEX "ingests_folder_name_sha" ON "ingests" USING btree ("folder","name","sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_idempotency_key" ON "jobs" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "jobs_state_created" ON "jobs" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "jobs_created_id" ON "jobs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "sessions_user" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "tasks_job" ON "tasks" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "tasks_state_run_after" ON "tasks" USING btree ("state","run_after");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status" ON "webhook_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook" ON "webhook_deliveries" USING btree ("webhook_id","created_at");