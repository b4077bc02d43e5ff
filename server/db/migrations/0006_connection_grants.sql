ALTER TABLE "connections" ADD COLUMN "grant_id" uuid;--> statement-breakpoint
CREATE INDEX "connections_grant_idx" ON "connections" USING btree ("grant_id");