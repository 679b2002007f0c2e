/** The shapes of /console/api answers the page reads (src/console/*.ts writes them). */

export interface Zone {
	id: string;
	name: string;
	lat: number;
	lon: number;
	enabled: boolean;
	liveNodes: number;
	nodes: number;
	slots: number;
	freeSlots: number;
	queueDepth: number;
	queueWaitMs: number | null;
	ttftMs: number | null;
	carbon: { gco2PerKwh: number; source: string; observedAt: number | null; stale: boolean };
}

export interface FleetNode {
	id: string;
	name: string;
	zoneId: string;
	status: string;
	agentVersion: string;
	gpuModel: string | null;
	live: boolean;
	lastSeenAt: number | null;
	slots: number;
	busySlots: number;
	power: string;
	telemetryAt: number | null;
	telemetryStale: boolean;
	gpuUtilPct: number | null;
	vramUsedMiB: number | null;
	vramTotalMiB: number | null;
	temperatureC: number | null;
	powerDrawW: number | null;
}

export interface Fleet {
	at: number;
	zones: Zone[];
	nodes: FleetNode[];
}

export interface Candidate {
	zoneId: string;
	estLatencyMs: number;
	gco2PerKwh: number;
	carbonSource: string;
	score: number;
	freeSlots: number;
	queueDepth: number;
}

export interface Routing {
	policy: string;
	client: { lat: number; lon: number; source: string };
	candidates: Candidate[];
	excluded: { zoneId: string; reason: string }[];
	chosenZoneId: string;
	refused: { zoneId: string; reason: string }[];
	nearestZoneId: string;
	nearestGco2PerKwh: number;
}

export interface Job {
	id: string;
	tenantId: string;
	model: string;
	zoneId: string;
	nodeId: string | null;
	status: string;
	policy: string | null;
	receivedAt: number;
	leasedAt: number | null;
	firstTokenAt: number | null;
	finishedAt: number | null;
	promptTokens: number | null;
	completionTokens: number | null;
	estEnergyJ: number | null;
	estGco2: number | null;
	errorCode: string | null;
	routing: Partial<Routing> | null;
	[key: string]: unknown;
}

export interface ConsoleEvent {
	id: number;
	at: number;
	kind: string;
	zoneId: string | null;
	nodeId: string | null;
	jobId: string | null;
	message: string;
}

export interface AvoidedRow {
	key: string;
	today: number;
	days7: number;
	days30: number;
	jobs: number;
}

export interface Carbon {
	series: { day: string; jobs: number; tokens: number; gco2: number; gco2Per1kTokens: number | null }[];
	avoided: { total: { today: number; days7: number; days30: number }; byTenant: AvoidedRow[]; byZone: AvoidedRow[] };
}
