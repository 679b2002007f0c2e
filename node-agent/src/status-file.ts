/**
 * The running agent's status snapshot, written as `<stateDir>/status.json`,
 * so `arcnet-agent status` can show a live view without a socket or a port.
 * A telemetry tick writes it when the agent's state changed or jobs are
 * running; an idle agent whose state holds rewrites it (fresh readings, a new
 * `updatedAt`) every STATUS_REWRITE_MS only. It is written atomically (temp file + rename)
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
	/** The agent's telemetry interval: snapshots are written on its ticks, so `status` judges staleness by it. Absent in older snapshots. */
	telemetryIntervalMs: z.optional(z.int()),
	/** The longest an unchanged idle state goes unwritten, in ms. Absent in older snapshots, which were written on every tick. */
	rewriteEveryMs: z.optional(z.int()),
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

/** The longest an idle agent whose state holds leaves its status file unwritten, in ms. */
export const STATUS_REWRITE_MS = 30_000;

/** The fields that change on their own every tick (readings and the time), which alone do not call for a write. */
function stateKey(s: StatusSnapshot): string {
	const { updatedAt, host, gpus, tokensPerSecond, ...state } = s;
	return JSON.stringify({ ...state, gpus: gpus.length });
}

/**
 * Returns a function that writes a snapshot when the state in it changed,
 * while jobs run, or when the last write is `rewriteEveryMs` old; true when it
 * wrote. An idle agent otherwise rewrote the same state every few seconds.
 */
export function createStatusWriter(
	stateDir: string,
	rewriteEveryMs: number = STATUS_REWRITE_MS,
): (snapshot: StatusSnapshot) => boolean {
	let lastKey = "";
	let lastAt = Number.NEGATIVE_INFINITY;
	return (snapshot) => {
		const key = stateKey(snapshot);
		const due = snapshot.updatedAt - lastAt >= rewriteEveryMs;
		if (key === lastKey && snapshot.running.length === 0 && !due) return false;
		writeStatusFile(stateDir, snapshot);
		lastKey = key;
		lastAt = snapshot.updatedAt;
		return true;
	};
}

/** How old a snapshot may get before `status` calls it stale; `fallbackIntervalMs` stands in for a snapshot without its interval. */
export function staleAfterMs(s: StatusSnapshot, fallbackIntervalMs: number): number {
	const interval = s.telemetryIntervalMs ?? fallbackIntervalMs;
	// A write due at rewriteEveryMs waits for the next tick: two intervals of slack.
	return s.rewriteEveryMs !== undefined ? s.rewriteEveryMs + 2 * interval : 3 * interval;
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
