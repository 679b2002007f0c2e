/**
 * One node as its zone's object sees it, for the operations console: liveness,
 * slots in use and its last telemetry. Returned by GeozoneDO.nodeViews.
 */
import type { TelemetryRequest } from "./agent-wire.js";

/** The last telemetry a node posted, with when it arrived (epoch ms). */
export type NodeTelemetryView = Omit<TelemetryRequest, "running" | "models" | "slots"> & { at: number };

export interface ZoneNodeView {
	nodeId: string;
	/** Seen within NODE_LIVE_MS or holding an open poll. */
	live: boolean;
	/** Last poll, heartbeat or telemetry (epoch ms). */
	lastSeenAt: number;
	slots: number;
	/** Jobs leased to or running on the node now. */
	busySlots: number;
	models: string[];
	telemetry: NodeTelemetryView | null;
}
