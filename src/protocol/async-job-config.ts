/**
 * The tunables of asynchronous jobs (POST /v1/jobs), which the Worker and the
 * zone both read from the same vars: how long a finished job is kept, and how
 * its webhook is delivered.
 */
import * as z from "zod";

/** The tunables of asynchronous jobs (POST /v1/jobs), read by the Worker and the zone alike. */
export interface AsyncJobConfig {
	/** How long a finished async job and its result are kept (JOB_RETENTION_MS). Default 86400000 ms, 1000..2592000000. */
	jobRetentionMs: number;
	/** Deliveries of one webhook before it is marked failed (WEBHOOK_MAX_ATTEMPTS). Default 5, 1..20. */
	webhookMaxAttempts: number;
	/** Whether http://127.0.0.1 / http://localhost webhooks are allowed (WEBHOOK_ALLOW_LOOPBACK_HTTP, dev/test only). Default false. */
	webhookAllowLoopbackHttp: boolean;
}

/** The Worker vars of asynchronous jobs. */
export type AsyncJobVarName = "JOB_RETENTION_MS" | "WEBHOOK_MAX_ATTEMPTS" | "WEBHOOK_ALLOW_LOOPBACK_HTTP";

const asyncSchema = z.object({
	JOB_RETENTION_MS: z.coerce.number().int().min(1_000).max(2_592_000_000).default(86_400_000),
	WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
	WEBHOOK_ALLOW_LOOPBACK_HTTP: z.enum(["true", "false"]).default("false"),
});

/**
 * Parses the async-job vars; a missing or empty var takes its default, a bad one throws naming it.
 * @example parseAsyncJobConfig({}).jobRetentionMs // 86400000
 */
export function parseAsyncJobConfig(vars: Partial<Record<AsyncJobVarName, unknown>>): AsyncJobConfig {
	const input = Object.fromEntries(
		(["JOB_RETENTION_MS", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_ALLOW_LOOPBACK_HTTP"] as const)
			.filter((name) => vars[name] !== undefined && vars[name] !== "")
			.map((name) => [name, vars[name]]),
	);
	const parsed = asyncSchema.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const name = String(issue?.path[0] ?? "(vars)");
		const raw = (input as Record<string, unknown>)[name];
		throw new Error(`${name}: ${issue?.message ?? "invalid"}, got ${JSON.stringify(raw)} (${typeof raw})`);
	}
	return {
		jobRetentionMs: parsed.data.JOB_RETENTION_MS,
		webhookMaxAttempts: parsed.data.WEBHOOK_MAX_ATTEMPTS,
		webhookAllowLoopbackHttp: parsed.data.WEBHOOK_ALLOW_LOOPBACK_HTTP === "true",
	};
}
