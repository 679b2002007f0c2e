/** GeozoneDO: one per geozone. Thin shell; logic lives in durable-objects/geozone/. */
import { DurableObject } from "cloudflare:workers";

export class GeozoneDO extends DurableObject<Env> {
	async ping(): Promise<string> {
		return "pong";
	}
}
