CREATE TABLE `enrollment_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`zone_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`node_id` text,
	`note` text,
	FOREIGN KEY (`zone_id`) REFERENCES `geozones`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_tokens_token_hash_unique` ON `enrollment_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `geozones` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`grid_zone` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`regions` text NOT NULL,
	`location_hint` text NOT NULL,
	`continent` text NOT NULL,
	`default_gco2_per_kwh` real NOT NULL,
	`source` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`model` text NOT NULL,
	`zone_id` text NOT NULL,
	`node_id` text,
	`status` text NOT NULL,
	`stream` integer NOT NULL,
	`received_at` integer NOT NULL,
	`leased_at` integer,
	`first_token_at` integer,
	`finished_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`finish_reason` text,
	`error_code` text,
	`error_message` text,
	`routing` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_zone_received_idx` ON `jobs` (`zone_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `jobs_tenant_received_idx` ON `jobs` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `jobs_node_idx` ON `jobs` (`node_id`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`zone_id` text NOT NULL,
	`name` text NOT NULL,
	`public_key_jwk` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`agent_version` text NOT NULL,
	`gpu_model` text,
	`enrolled_at` integer NOT NULL,
	`key_rotated_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`zone_id`) REFERENCES `geozones`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `nodes_zone_idx` ON `nodes` (`zone_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `zone_status` (
	`zone_id` text PRIMARY KEY NOT NULL,
	`live_nodes` integer NOT NULL,
	`models` text NOT NULL,
	`slots` integer NOT NULL,
	`free_slots` integer NOT NULL,
	`queue_depth` integer NOT NULL,
	`updated_at` integer NOT NULL
);
