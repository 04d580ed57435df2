CREATE TABLE "ladder_templates" (
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"template" text NOT NULL,
	"sha256" text NOT NULL,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "ladder_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "ladder_templates_name_version" ON "ladder_templates" USING btree ("name","version");--> statement-breakpoint
-- Template versions are kept as saved: a job pins (name, version) and its audit names the sha256.
CREATE TRIGGER ladder_templates_append_only BEFORE UPDATE OR DELETE ON ladder_templates FOR EACH ROW EXECUTE FUNCTION mpegflow_refuse_change();
