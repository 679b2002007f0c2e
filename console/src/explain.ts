/** Puts a job's routing record into one sentence: who won, against whom, and why. */
import { fmt } from "./dom.js";
import type { Job } from "./types.js";

/** E.g. "carbon: eu-stockholm (score 0.12, 45 ms, 30 g/kWh) beat us-oregon (0.40, 120 ms, 90 g/kWh)". */
export function explain(job: Job): string {
	const r = job.routing;
	if (!r?.candidates || r.candidates.length === 0) return "no routing record";
	const [winner, ...rest] = [...r.candidates].sort((a, b) => a.score - b.score);
	if (!winner) return "no routing record";
	const fig = (c: { score: number; estLatencyMs: number; gco2PerKwh: number }) =>
		`score ${fmt(c.score, 3)}, ${fmt(c.estLatencyMs)} ms, ${fmt(c.gco2PerKwh)} g/kWh`;
	let text = `${r.policy ?? job.policy}: ${winner.zoneId} (${fig(winner)})`;
	text += rest.length ? ` beat ${rest.map((c) => `${c.zoneId} (${fig(c)})`).join(", ")}` : " was the only candidate";
	if (r.chosenZoneId && r.chosenZoneId !== winner.zoneId) text += `; ran in ${r.chosenZoneId}`;
	if (r.refused?.length) text += `; refused by ${r.refused.map((x) => `${x.zoneId} (${x.reason})`).join(", ")}`;
	if (r.excluded?.length) text += `; excluded ${r.excluded.map((x) => `${x.zoneId} (${x.reason})`).join(", ")}`;
	return text;
}
