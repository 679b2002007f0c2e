/** The agent API under /agent/v1: enrollment (token) and the node calls (EdDSA JWT). */
import { Hono } from "hono";
import { requireNode } from "../auth/node-identity.js";
import type { AppEnv } from "../http/app-env.js";
import { channelHandler } from "./channel.js";
import { enrollHandler } from "./enroll.js";
import { pollHandler, postEventsHandler, releaseHandler, telemetryHandler } from "./node-calls.js";
import { rotateKeyHandler, whoamiHandler } from "./rotate-key.js";

/** Routes: POST /enroll, /poll, /jobs/:jobId/events, /jobs/release, /telemetry, /keys/rotate; GET /whoami, /channel (WebSocket). */
export const agentRoutes = new Hono<AppEnv>();
agentRoutes.post("/enroll", enrollHandler);
agentRoutes.use("/poll", requireNode);
agentRoutes.use("/jobs/*", requireNode);
agentRoutes.use("/telemetry", requireNode);
agentRoutes.use("/keys/*", requireNode);
agentRoutes.use("/whoami", requireNode);
agentRoutes.use("/channel", requireNode);
agentRoutes.post("/poll", pollHandler);
agentRoutes.post("/jobs/release", releaseHandler);
agentRoutes.post("/jobs/:jobId/events", postEventsHandler);
agentRoutes.post("/telemetry", telemetryHandler);
agentRoutes.post("/keys/rotate", rotateKeyHandler);
agentRoutes.get("/whoami", whoamiHandler);
agentRoutes.get("/channel", channelHandler);
