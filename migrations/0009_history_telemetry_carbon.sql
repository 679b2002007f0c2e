CREATE TABLE `carbon_signal_history` (
	`zone_id` text NOT NULL,
	`fetched_at` integer NOT NULL,
	`grid_zone` text NOT NULL,
	`gco2_per_kwh` real NOT NULL,
	`source` text NOT NULL,
	`valid_at` integer NOT NULL,
	PRIMARY KEY(`zone_id`, `fetched_at`)
);
--> statement-breakpoint
CREATE INDEX `carbon_signal_history_fetched_idx` ON `carbon_signal_history` (`fetched_at`);--> statement-breakpoint
CREATE TABLE `node_telemetry_minutes` (
	`node_id` text NOT NULL,
	`minute` integer NOT NULL,
	`zone_id` text NOT NULL,
	`samples` integer NOT NULL,
	`gpus` integer NOT NULL,
	`util_pct_avg` real,
	`util_pct_max` real,
	`vram_used_mib_avg` real,
	`vram_used_mib_max` real,
	`vram_total_mib` real,
	`temp_c_avg` real,
	`temp_c_max` real,
	`power_w_avg` real,
	`power_w_max` real,
	`power_limit_w` real,
	`tokens_per_second_avg` real NOT NULL,
	`tokens_per_second_max` real NOT NULL,
	`running_jobs_avg` real NOT NULL,
	`running_jobs_max` integer NOT NULL,
	`queue_depth_max` integer NOT NULL,
	`cpu_pct_avg` real NOT NULL,
	PRIMARY KEY(`node_id`, `minute`)
);
--> statement-breakpoint
CREATE INDEX `node_telemetry_minutes_zone_idx` ON `node_telemetry_minutes` (`zone_id`,`minute`);--> statement-breakpoint
CREATE INDEX `node_telemetry_minutes_minute_idx` ON `node_telemetry_minutes` (`minute`);