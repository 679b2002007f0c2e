/**
 * Parses the output of
 * `nvidia-smi --query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit --format=csv,noheader,nounits`.
 * nvidia-smi's CSV is not quoted: a GPU name may itself hold ", ", so fields
 * are taken from both ends (index first, six numbers last, the uuid before
 * them) and whatever lies between is the name. `[N/A]`, `[Not Supported]`
 * and the like become null, never 0, so a dashboard does not show a cold idle
 * card where the driver simply said nothing.
 */
import type { GpuReading } from "../../../src/protocol/agent-wire.js";

/** The exact query the agent runs; the parser expects its column order. */
export const NVIDIA_SMI_ARGS = [
	"--query-gpu=index,name,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,power.limit",
	"--format=csv,noheader,nounits",
] as const;

/** A line nvidia-smi printed that is not a GPU row (warnings, driver errors). */
export interface SkippedLine {
	line: string;
	reason: string;
}

/** Parsed rows plus the lines that could not be read, so callers can report them. */
export interface NvidiaSmiParse {
	gpus: GpuReading[];
	skipped: SkippedLine[];
}

const NUMERIC_FIELDS = 6;

/** A number, or null for nvidia-smi's "no value" markers (`[N/A]`, `N/A`, `[Not Supported]`, `[Unknown Error]`, ``). */
function numberOrNull(raw: string, min: number, max: number): number | null {
	const v = raw.trim();
	if (v === "" || /^\[.*\]$/.test(v) || /^n\/a$/i.test(v)) return null;
	const n = Number(v);
	if (!Number.isFinite(n) || n < min || n > max) return null;
	return n;
}

/** Parses one GPU row; returns a reason string when the line is not one. */
export function parseNvidiaSmiLine(line: string): GpuReading | string {
	const parts = line.split(",").map((p) => p.trim());
	if (parts.length < 3 + NUMERIC_FIELDS) return `expected 9 comma-separated fields, got ${parts.length}`;
	const index = Number(parts[0]);
	if (!/^\d+$/.test(parts[0] ?? "") || !Number.isInteger(index)) return `index must be an integer, got "${parts[0]}"`;
	const nums = parts.slice(-NUMERIC_FIELDS);
	const uuid = parts[parts.length - NUMERIC_FIELDS - 1] ?? "";
	const name = parts.slice(1, parts.length - NUMERIC_FIELDS - 1).join(", ");
	const [util, memUsed, memTotal, temp, powerDraw, powerLimit] = nums as [
		string,
		string,
		string,
		string,
		string,
		string,
	];
	const reading: GpuReading = {
		index,
		name: (name || "unknown GPU").slice(0, 100),
		utilizationPct: numberOrNull(util, 0, 100),
		memoryUsedMiB: numberOrNull(memUsed, 0, Number.MAX_SAFE_INTEGER),
		memoryTotalMiB: numberOrNull(memTotal, 0, Number.MAX_SAFE_INTEGER),
		temperatureC: numberOrNull(temp, -50, 150),
		powerDrawW: numberOrNull(powerDraw, 0, Number.MAX_SAFE_INTEGER),
		powerLimitW: numberOrNull(powerLimit, 0, Number.MAX_SAFE_INTEGER),
	};
	if (/^(GPU|MIG)-[\w-]+$/.test(uuid)) reading.uuid = uuid.slice(0, 100);
	return reading;
}

/** Parses the whole output: one reading per GPU row, at most 64; other lines are listed as skipped. */
export function parseNvidiaSmi(stdout: string): NvidiaSmiParse {
	const gpus: GpuReading[] = [];
	const skipped: SkippedLine[] = [];
	for (const raw of stdout.split(/\r?\n/)) {
		const line = raw.trim();
		if (line === "") continue;
		const parsed = parseNvidiaSmiLine(line);
		if (typeof parsed === "string") skipped.push({ line: line.slice(0, 200), reason: parsed });
		else if (gpus.length < 64) gpus.push(parsed);
	}
	return { gpus, skipped };
}

/** A GPU nvidia-smi printed an error line for instead of a row. */
export interface LostGpu {
	/** Its index, when the line's position tells it. */
	index?: number;
	line: string;
}

/**
 * Reads a whole run, error lines included. nvidia-smi prints one line per GPU
 * in index order, so an error line in stdout stands where that GPU's row would
 * be: its position is the lost GPU's index. An error line on stderr takes the
 * first index the rows leave out, if any.
 */
export function readNvidiaSmiRun(run: { stdout: string; stderr: string }): { gpus: GpuReading[]; lost: LostGpu[] } {
	const lines = run.stdout
		.split(/\r?\n/)
		.map((l) => l.trim())
		.filter((l) => l !== "");
	const { gpus } = parseNvidiaSmi(run.stdout);
	const taken = new Set(gpus.map((g) => g.index));
	const lost: LostGpu[] = [];
	lines.forEach((line, position) => {
		if (typeof parseNvidiaSmiLine(line) !== "string") return;
		const index = taken.has(position) ? undefined : position;
		if (index !== undefined) taken.add(index);
		lost.push({ ...(index === undefined ? {} : { index }), line: line.slice(0, 200) });
	});
	const highest = Math.max(-1, ...taken);
	for (const raw of run.stderr.split(/\r?\n/)) {
		const line = raw.trim();
		if (line === "") continue;
		let index: number | undefined;
		for (let i = 0; i <= highest; i++) {
			if (!taken.has(i)) {
				index = i;
				break;
			}
		}
		if (index !== undefined) taken.add(index);
		lost.push({ ...(index === undefined ? {} : { index }), line: line.slice(0, 200) });
	}
	return { gpus, lost };
}
