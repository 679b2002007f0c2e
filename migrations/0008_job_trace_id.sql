ALTER TABLE `jobs` ADD `trace_id` text;--> statement-breakpoint
CREATE INDEX `jobs_trace_idx` ON `jobs` (`trace_id`);