/**
 * The running agent's status snapshot, written as `<stateDir>/status.json`
 * on every telemetry tick, so `arcnet-agent status` can show a live view
 * without a socket or a port. It is written atomically (temp file + rename)
 * so a reader never sees half a file, and read back through a zod schema
 * because it crosses a process boundary.
 */
import { join } from "node:path";
import { gpuReadingSchema, hardwareSourceSchema } from "../../src/protocol/agent-wire.js";
import { powerSourceSchema } from "../../src/protocol/power-source.js";
import * as z from "../../src/protocol/zod-mini.js";
import { fs } from "./builtins.js";

const { readFileSync, renameSync, writeFileSync } = fs;

export const statusSnapshotSchema = z.object({
	version: z.literal(1),
	pid: z.int(),
	nodeId: z.string(),
	zoneId: z.string(),
	edgeUrl: z.string(),
	/** Epoch ms of this snapshot. */
	updatedAt: z.number(),
	/** The agent's telemetry interval: a snapshot is rewritten this often, so `status` judges staleness by it. Absent in older snapshots. */
	telemetryIntervalMs: z.optional(z.int()),
	connection: z.enum(["starting", "connected", "unreachable", "unauthorised"]),
	/** How polls and job events travel now: the WebSocket channel, or HTTP (chosen, or while the channel is down). Absent in older snapshots. */
	transport: z.optional(z.enum(["websocket", "http"])),
	draining: z.boolean(),
	backend: z.string(),
	models: z.array(z.string()),
	hardware: hardwareSourceSchema,
	/** Why nvidia-smi readings were replaced by simulated ones (or GPUs are missing from them), if they were. */
	gpuProblem: z.nullable(z.string()),
	gpus: z.array(gpuReadingSchema),
	host: z.object({ cpuPct: z.number(), memUsedBytes: z.number(), memTotalBytes: z.number() }),
	slots: z.int(),
	running: z.array(
		z.object({
			jobId: z.string(),
			attempt: z.int(),
			model: z.string(),
			startedAt: z.number(),
			queued: z.boolean(),
		}),
	),
	tokensPerSecond: z.number(),
	queueDepth: z.int(),
	/** The node's declared power as last reported; absent when none is declared. */
	power: z.optional(powerSourceSchema),
});
export type StatusSnapshot = z.infer<typeof statusSnapshotSchema>;

/** Path of the status file inside a state directory. */
export function statusPath(stateDir: string): string {
	return join(stateDir, "status.json");
}

/** Writes the snapshot atomically (mode 0600: it names jobs); returns its path. */
export function writeStatusFile(stateDir: string, snapshot: StatusSnapshot): string {
	const path = statusPath(stateDir);
	const tmp = `${path}.${process.pid}.tmp`;
	writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
	renameSync(tmp, path);
	return path;
}

/** Reads and validates the snapshot; the error says what to do when there is none. */
export function readStatusFile(stateDir: string): StatusSnapshot {
	const path = statusPath(stateDir);
	let raw: string;
	try {
		raw = readFileSync(path, "utf8");
	} catch {
		throw new Error(`no status at ${path}: is the agent running with --state-dir ${stateDir}?`);
	}
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch (err) {
		throw new Error(`${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
	}
	const parsed = statusSnapshotSchema.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`${path}: ${issue?.path.join(".") || "status"}: ${issue?.message ?? "invalid"}`);
	}
	return parsed.data;
}
