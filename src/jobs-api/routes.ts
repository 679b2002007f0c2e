/** The asynchronous jobs API under /v1 (behind the API key, scope "jobs"): POST /jobs, GET and DELETE /jobs/{id}. */
import { Hono } from "hono";
import { requireScope } from "../auth/scopes.js";
import type { AppEnv } from "../http/app-env.js";
import { limitRequests } from "../limits/middleware.js";
import { cancelJobHandler, createJobHandler, getJobHandler } from "./handlers.js";

/** Routes mounted by src/openai/routes.ts after requireApiKey. */
export const jobsRoutes = new Hono<AppEnv>();
jobsRoutes.use("*", requireScope("jobs"));
jobsRoutes.post("/", limitRequests, createJobHandler);
jobsRoutes.get("/:id", getJobHandler);
jobsRoutes.delete("/:id", cancelJobHandler);
