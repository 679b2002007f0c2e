CREATE TABLE `carbon_signals` (
	`zone_id` text PRIMARY KEY NOT NULL,
	`grid_zone` text NOT NULL,
	`gco2_per_kwh` real NOT NULL,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`fetched_at` integer NOT NULL,
	`last_error` text,
	`last_error_at` integer
);
--> statement-breakpoint
ALTER TABLE `jobs` ADD `policy` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `est_latency_ms` real;--> statement-breakpoint
ALTER TABLE `jobs` ADD `zone_gco2_per_kwh` real;--> statement-breakpoint
ALTER TABLE `jobs` ADD `nearest_zone_id` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `nearest_gco2_per_kwh` real;--> statement-breakpoint
ALTER TABLE `jobs` ADD `est_energy_j` real;--> statement-breakpoint
ALTER TABLE `jobs` ADD `est_gco2` real;--> statement-breakpoint
ALTER TABLE `tenants` ADD `default_policy` text;--> statement-breakpoint
ALTER TABLE `zone_status` ADD `power_w` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `zone_status` ADD `own_power_w` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `zone_status` ADD `own_power_gco2_w` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `zone_status` ADD `queue_wait_ms` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `zone_status` ADD `ttft_ms` real DEFAULT 0 NOT NULL;