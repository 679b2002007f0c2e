/**
 * BatchStoreDO: one per tenant (named by tenant id), holding the tenant's
 * batches of the OpenAI Batch API and one row per request in SQLite, so that
 * batches survive restarts (ADR 0019). A thin shell: it validates each RPC
 * input and delegates to ./batches/batch-store.ts. The object named
 * "registry" keeps the set of tenants with unfinished batches for the cron.
 * The scheduling itself runs in the Worker, which owns routing.
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import {
	cancelBatch,
	createBatch,
	finalize,
	getBatch,
	listBatches,
	markDispatched,
	releaseLease,
	requeue,
	results,
	settle,
	takeLease,
	work,
} from "./batches/batch-store.js";
import {
	type BatchRecord,
	type BatchResults,
	type BatchWork,
	batchRefInputSchema,
	createBatchInputSchema,
	dispatchedInputSchema,
	finalizeInputSchema,
	leaseInputSchema,
	listBatchesInputSchema,
	requestRefInputSchema,
	settleInputSchema,
	tenantInputSchema,
	workInputSchema,
} from "./batches/contract.js";
import { ensureBatchSchema } from "./batches/schema.js";
import { parseRpcInput } from "./rpc-input.js";

export class BatchStoreDO extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => ensureBatchSchema(ctx.storage.sql));
	}

	/** Stores a validated batch and its lines; it starts in_progress. */
	async create(input: z.input<typeof createBatchInputSchema>): Promise<BatchRecord> {
		const parsed = parseRpcInput(createBatchInputSchema, input, "create");
		return this.ctx.storage.transactionSync(() => createBatch(this.ctx.storage.sql, parsed));
	}

	/** The batch, or null when this tenant has none of that id. */
	async get(input: z.input<typeof batchRefInputSchema>): Promise<BatchRecord | null> {
		const parsed = parseRpcInput(batchRefInputSchema, input, "get");
		return getBatch(this.ctx.storage.sql, parsed.tenantId, parsed.batchId);
	}

	/** Newest first, `limit` (1..100) after the cursor id `after`. */
	async list(input: z.input<typeof listBatchesInputSchema>): Promise<{ data: BatchRecord[]; hasMore: boolean }> {
		const parsed = parseRpcInput(listBatchesInputSchema, input, "list");
		return listBatches(this.ctx.storage.sql, parsed.tenantId, parsed.after, parsed.limit);
	}

	/** Cancelling: pending requests end now, running ones on the next tick; null when unknown. */
	async cancel(input: z.input<typeof batchRefInputSchema>): Promise<BatchRecord | null> {
		const parsed = parseRpcInput(batchRefInputSchema, input, "cancel");
		return this.ctx.storage.transactionSync(() =>
			cancelBatch(this.ctx.storage.sql, parsed.tenantId, parsed.batchId, Date.now()),
		);
	}

	/** The scheduler's work at `now`: up to `limit` pending and dispatched requests, and batches to finalize. */
	async work(input: z.input<typeof workInputSchema>): Promise<BatchWork> {
		const parsed = parseRpcInput(workInputSchema, input, "work");
		return this.ctx.storage.transactionSync(() => work(this.ctx.storage.sql, parsed.now, parsed.limit));
	}

	/** Records a request's job; false when it is no longer pending. */
	async dispatched(input: z.input<typeof dispatchedInputSchema>): Promise<boolean> {
		return markDispatched(this.ctx.storage.sql, parseRpcInput(dispatchedInputSchema, input, "dispatched"));
	}

	/** Records a request's end and its output or error line. */
	async settle(input: z.input<typeof settleInputSchema>): Promise<void> {
		settle(this.ctx.storage.sql, parseRpcInput(settleInputSchema, input, "settle"));
	}

	/** The output and error lines of a batch, in input order. */
	async results(input: z.input<typeof batchRefInputSchema>): Promise<BatchResults> {
		return results(this.ctx.storage.sql, parseRpcInput(batchRefInputSchema, input, "results").batchId);
	}

	/** Ends a batch whose files are written. */
	async finalize(input: z.input<typeof finalizeInputSchema>): Promise<BatchRecord | null> {
		const parsed = parseRpcInput(finalizeInputSchema, input, "finalize");
		finalize(this.ctx.storage.sql, parsed.batchId, parsed, parsed.now);
		return getBatch(this.ctx.storage.sql, parsed.tenantId, parsed.batchId);
	}

	/** Puts a dispatched request back to pending (refused by its zone, or never received). */
	async requeue(input: z.input<typeof requestRefInputSchema>): Promise<void> {
		requeue(this.ctx.storage.sql, parseRpcInput(requestRefInputSchema, input, "requeue"));
	}

	/** Takes the tenant's tick lease (60 s); false while another tick holds it. */
	async lease(input: z.input<typeof leaseInputSchema>): Promise<boolean> {
		return takeLease(this.ctx.storage.sql, parseRpcInput(leaseInputSchema, input, "lease").now);
	}

	/** Frees the tick lease. */
	async release(input: z.input<typeof tenantInputSchema>): Promise<void> {
		parseRpcInput(tenantInputSchema, input, "release");
		releaseLease(this.ctx.storage.sql);
	}

	/** Registry only: marks a tenant as having (or no longer having) unfinished batches. */
	async setActive(tenantId: string, active: boolean): Promise<void> {
		parseRpcInput(tenantInputSchema, { tenantId }, "setActive");
		if (active) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO active_tenants (tenant_id) VALUES (?)", tenantId);
		else this.ctx.storage.sql.exec("DELETE FROM active_tenants WHERE tenant_id = ?", tenantId);
	}

	/** Registry only: the tenants with unfinished batches. */
	async activeTenants(): Promise<string[]> {
		return this.ctx.storage.sql
			.exec<{ tenant_id: string }>("SELECT tenant_id FROM active_tenants")
			.toArray()
			.map((r) => r.tenant_id);
	}
}
