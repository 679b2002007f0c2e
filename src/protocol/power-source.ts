/**
 * A node's own power, as its operator declares it in the agent's config and
 * the agent reports it in telemetry. Shared by the agent (config, doctor) and
 * the zone (capacity weighting, lease preference), so both read one table.
 */
import * as z from "./zod-mini.js";

/** Every power source an operator may declare. */
export const POWER_SOURCES = ["grid", "solar", "wind", "hydro", "nuclear", "cogen", "battery", "mixed"] as const;
export type PowerSourceKind = (typeof POWER_SOURCES)[number];

/** Highest gCO2eq/kWh a node may declare (above any fossil plant's lifecycle figure). */
export const MAX_DECLARED_GCO2_PER_KWH = 2000;

/**
 * Lifecycle gCO2eq/kWh medians (IPCC AR5 WG3 Annex III, table A.III.2) used
 * when the operator names a source but no figure of its own. Cogeneration,
 * batteries and mixed supply have no default: what they emit depends on the
 * fuel or on what charged them, so such nodes count at the zone's grid figure.
 */
export const LIFECYCLE_GCO2_PER_KWH: Readonly<Partial<Record<PowerSourceKind, number>>> = {
	solar: 48,
	wind: 11,
	hydro: 24,
	nuclear: 12,
};

/** A node's power as reported in telemetry. */
export const powerSourceSchema = z.strictObject({
	source: z.enum(POWER_SOURCES),
	/** The operator's own gCO2eq/kWh for that source; absent: the lifecycle default, or the grid's figure. */
	gco2PerKwh: z.optional(z.number().check(z.minimum(0), z.maximum(MAX_DECLARED_GCO2_PER_KWH))),
	/** Where the declared figure comes from (a contract, a meter, a study). */
	note: z.optional(z.string().check(z.maxLength(200))),
	/** A battery's state of charge (%), from the operator's command or file. */
	stateOfChargePct: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
	/** Renewable power available on site now (W), from the operator's command or file. */
	availableW: z.optional(z.number().check(z.minimum(0), z.maximum(100_000_000))),
});
export type PowerSource = z.infer<typeof powerSourceSchema>;

/** The intensity a node's declaration stands for, and on what basis; null: it counts at the zone's grid figure. */
export interface DeclaredIntensity {
	gco2PerKwh: number;
	basis: "declared" | "lifecycle-default";
}

/**
 * The node's own intensity: its declared figure, else its source's lifecycle
 * default; null for `grid` and for sources without a default.
 * @example declaredIntensity({ source: "wind" }) // { gco2PerKwh: 11, basis: "lifecycle-default" }
 */
export function declaredIntensity(power: PowerSource | undefined): DeclaredIntensity | null {
	if (!power || power.source === "grid") return null;
	if (power.gco2PerKwh !== undefined) return { gco2PerKwh: power.gco2PerKwh, basis: "declared" };
	const fallback = LIFECYCLE_GCO2_PER_KWH[power.source];
	return fallback === undefined ? null : { gco2PerKwh: fallback, basis: "lifecycle-default" };
}
