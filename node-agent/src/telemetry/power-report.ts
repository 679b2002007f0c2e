/**
 * The node's power as telemetry reports it: the operator's declared source,
 * intensity and note, plus, on battery or solar sites, the state of charge or
 * available renewable power read from a command or a file each tick. That
 * read runs under a timeout and never fails the telemetry post (which is also
 * the heartbeat): a failure drops the reading and is reported once, until a
 * read succeeds again.
 */
import { execFile } from "node:child_process";
import { declaredIntensity, type PowerSource } from "../../../src/protocol/power-source.js";
import { fs } from "../builtins.js";

/** What the operator configured (the agent's power options). */
export interface PowerOptions {
	powerSource?: PowerSource["source"] | undefined;
	powerGco2PerKwh?: number | undefined;
	powerNote?: string | undefined;
	powerStateCommand?: string | undefined;
	powerStateFile?: string | undefined;
}

/** The live readings a site's command or file may give. */
export type PowerState = Pick<PowerSource, "stateOfChargePct" | "availableW">;

/** A state command is killed after this long (ms): the telemetry tick waits on it. */
export const POWER_STATE_TIMEOUT_MS = 2_000;

/**
 * Parses `{"stateOfChargePct": 80, "availableW": 1200}` (either field may be absent); throws naming what is wrong.
 * @example parsePowerState('{"stateOfChargePct": 80}') // { stateOfChargePct: 80 }
 */
export function parsePowerState(text: string): PowerState {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new Error(
			`expected JSON such as {"stateOfChargePct":80,"availableW":1200}, got ${JSON.stringify(text.slice(0, 100))}`,
		);
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
	}
	const record = value as Record<string, unknown>;
	const state: PowerState = {};
	const soc = record.stateOfChargePct;
	if (soc !== undefined) {
		if (typeof soc !== "number" || !(soc >= 0 && soc <= 100)) {
			throw new Error(`stateOfChargePct: expected a number from 0 to 100, got ${JSON.stringify(soc)}`);
		}
		state.stateOfChargePct = soc;
	}
	const available = record.availableW;
	if (available !== undefined) {
		if (typeof available !== "number" || !(available >= 0 && available <= 100_000_000)) {
			throw new Error(`availableW: expected a number of W from 0 to 100000000, got ${JSON.stringify(available)}`);
		}
		state.availableW = available;
	}
	return state;
}

function runStateCommand(command: string, timeoutMs: number): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(
			"/bin/sh",
			["-c", command],
			{ timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024, windowsHide: true },
			(err, stdout) => {
				if (!err) return resolve(stdout);
				const e = err as NodeJS.ErrnoException & { killed?: boolean };
				if (e.killed) return reject(new Error(`power state command did not answer within ${timeoutMs} ms`));
				reject(new Error(`power state command failed: ${e.message.split("\n")[0]?.slice(0, 200) ?? ""}`));
			},
		);
	});
}

/**
 * Creates the reader telemetry calls each tick; it resolves undefined when no
 * source is declared. `onProblem` sees a failed state read once, until one succeeds.
 */
export function createPowerReport(
	options: PowerOptions,
	onProblem: (problem: string) => void,
	timeoutMs = POWER_STATE_TIMEOUT_MS,
): () => Promise<PowerSource | undefined> {
	let failing = false;
	const readState = async (): Promise<PowerState> => {
		if (options.powerStateCommand !== undefined) {
			return parsePowerState(await runStateCommand(options.powerStateCommand, timeoutMs));
		}
		if (options.powerStateFile !== undefined) return parsePowerState(fs.readFileSync(options.powerStateFile, "utf8"));
		return {};
	};
	return async () => {
		const source = options.powerSource;
		if (source === undefined) return undefined;
		const power: PowerSource = { source };
		if (options.powerGco2PerKwh !== undefined) power.gco2PerKwh = options.powerGco2PerKwh;
		if (options.powerNote !== undefined) power.note = options.powerNote;
		try {
			Object.assign(power, await readState());
			failing = false;
		} catch (err) {
			if (!failing) onProblem(err instanceof Error ? err.message : String(err));
			failing = true;
		}
		return power;
	};
}

/**
 * One line for doctor and status: the source, the intensity the edge will use and on what basis, and the live state.
 * @example describePower({ source: "wind" }) // "wind, 11 gCO2/kWh (lifecycle default)"
 */
export function describePower(power: PowerSource | undefined): string {
	if (!power || power.source === "grid") return "grid: counts at the zone's live carbon signal";
	const own = declaredIntensity(power);
	const parts = [
		own
			? `${power.source}, ${own.gco2PerKwh} gCO2/kWh (${own.basis === "declared" ? `declared${power.note ? `: ${power.note}` : ""}` : "lifecycle default"})`
			: `${power.source}, no intensity declared: counts at the zone's live carbon signal`,
	];
	if (power.stateOfChargePct !== undefined) parts.push(`charge ${power.stateOfChargePct}%`);
	if (power.availableW !== undefined) parts.push(`${power.availableW} W available`);
	return parts.join("; ");
}
