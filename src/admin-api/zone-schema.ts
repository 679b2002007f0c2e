/**
 * What a zone of the catalogue may look like when an operator writes one:
 * the bounds the router and the carbon refresh rely on (coordinates on the
 * globe, a real locationHint, 1 to 20 region tags the way requests name them).
 */
import * as z from "zod";
import { zoneIdSchema } from "../protocol/agent-wire.js";

/** Durable Object location hints Cloudflare accepts. */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;

/** Two-letter continent codes, as in `request.cf.continent`. */
export const CONTINENTS = ["af", "an", "as", "eu", "na", "oc", "sa"] as const;

/** A region tag: lowercase, 1 to 20 characters, as clients send them in x-arcnet-regions. */
const regionTagSchema = z
	.string()
	.regex(/^[a-z0-9][a-z0-9-]{0,19}$/, "a lowercase region tag of 1 to 20 characters, e.g. eu or us-west");

/** Every field of a zone except its id and `enabled`. */
const zoneFields = {
	name: z.string().trim().min(1).max(100),
	/** Electricity Maps zone code, e.g. US-NW-BPAT or DE. */
	gridZone: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,10}){0,3}$/, "a grid zone code in capitals, e.g. DE or US-NW-BPAT"),
	lat: z.number().min(-90).max(90),
	lon: z.number().min(-180).max(180),
	regions: z.array(regionTagSchema).min(1).max(20),
	locationHint: z.enum(LOCATION_HINTS),
	continent: z.enum(CONTINENTS),
	/** Yearly average gCO2eq/kWh used when no fresher signal exists. */
	defaultGco2PerKwh: z.number().min(0).max(5_000),
	/** Where the coordinates and the default intensity come from (free text, ≤ 500 chars). */
	source: z.string().trim().min(1).max(500),
};

/** POST /admin/v1/zones body: a new zone, enabled unless `enabled: false`. */
export const createZoneSchema = z.object({ id: zoneIdSchema, ...zoneFields, enabled: z.boolean().optional() }).strict();
export type CreateZone = z.output<typeof createZoneSchema>;

/** PATCH /admin/v1/zones/:id body: one or more fields, never the id. */
export const patchZoneSchema = z
	.object({ ...zoneFields, enabled: z.boolean() })
	.partial()
	.strict()
	.refine((body) => Object.keys(body).length > 0, { message: "at least one field to change" });
export type PatchZone = z.output<typeof patchZoneSchema>;
