CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`allowed_models` text,
	`allowed_regions` text,
	`rate_limit_per_minute` integer,
	`max_concurrent` integer,
	`daily_token_quota` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_prefix_unique` ON `api_keys` (`prefix`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `async_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`zone_id` text,
	`model` text NOT NULL,
	`idempotency_key` text,
	`request_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `async_jobs_idempotency_idx` ON `async_jobs` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `async_jobs_expires_idx` ON `async_jobs` (`expires_at`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `api_key_id` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `kind` text DEFAULT 'sync' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `rate_limit_per_minute` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_concurrent` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `daily_token_quota` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `disabled_at` integer;