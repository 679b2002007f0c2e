/** Geography for routing: distances and the fibre latency model. */
export { EARTH_MEAN_RADIUS_KM, greatCircleKm, type LatLon, latLonSchema } from "./great-circle.js";
export {
	CLOUD_BACKBONE_MODEL,
	estimateRttMs,
	FIBRE_PATH_STRETCH,
	INTERNET_FIBRE_MODEL,
	type LatencyModel,
	RTT_FLOOR_MS,
	RTT_MS_PER_FIBRE_KM,
	rttMsForDistance,
} from "./latency-model.js";
