CREATE TABLE "goal_evaluations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"goal_id" integer NOT NULL,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"value" double precision,
	"status" text NOT NULL,
	CONSTRAINT "goal_evaluations_status_check" CHECK (status IN ('met', 'breached', 'unknown'))
);
--> statement-breakpoint
CREATE TABLE "goals" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" integer NOT NULL,
	"metric" text NOT NULL,
	"comparator" text NOT NULL,
	"threshold" double precision NOT NULL,
	"window_days" integer NOT NULL,
	"status" text DEFAULT 'unknown' NOT NULL,
	"value" double precision,
	"evaluated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "goals_comparator_check" CHECK (comparator IN ('atMost', 'atLeast')),
	CONSTRAINT "goals_status_check" CHECK (status IN ('met', 'breached', 'unknown'))
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" integer NOT NULL,
	"goal_id" integer,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_deliveries_status_check" CHECK (status IN ('delivered', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "team_notifications" (
	"team_id" integer PRIMARY KEY NOT NULL,
	"webhook_url_encrypted" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD COLUMN "samples" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD COLUMN "sample_values" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD COLUMN "previous" jsonb;--> statement-breakpoint
ALTER TABLE "goal_evaluations" ADD CONSTRAINT "goal_evaluations_goal_id_goals_id_fk" FOREIGN KEY ("goal_id") REFERENCES "public"."goals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "goals" ADD CONSTRAINT "goals_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_goal_id_goals_id_fk" FOREIGN KEY ("goal_id") REFERENCES "public"."goals"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_notifications" ADD CONSTRAINT "team_notifications_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "goal_evaluations_goal_idx" ON "goal_evaluations" USING btree ("goal_id","evaluated_at");--> statement-breakpoint
CREATE INDEX "goals_team_idx" ON "goals" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "notification_deliveries_recent_idx" ON "notification_deliveries" USING btree ("created_at");