/** The Batch API under /v1 (behind the API key, scope "jobs"): /files and /batches. */
import { Hono } from "hono";
import { requireScope } from "../auth/scopes.js";
import type { AppEnv } from "../http/app-env.js";
import { cancelBatchHandler, createBatchHandler, getBatchHandler, listBatchesHandler } from "./batches-api.js";
import { createFileHandler, fileContentHandler, getFileHandler } from "./files-api.js";

/** POST/GET /files, GET /files/{id}/content; mounted by src/openai/routes.ts after requireApiKey. */
export const filesRoutes = new Hono<AppEnv>();
filesRoutes.use("*", requireScope("jobs"));
filesRoutes.post("/", createFileHandler);
filesRoutes.get("/:id", getFileHandler);
filesRoutes.get("/:id/content", fileContentHandler);

/** POST/GET /batches, GET /batches/{id}, POST /batches/{id}/cancel. */
export const batchesRoutes = new Hono<AppEnv>();
batchesRoutes.use("*", requireScope("jobs"));
batchesRoutes.post("/", createBatchHandler);
batchesRoutes.get("/", listBatchesHandler);
batchesRoutes.get("/:id", getBatchHandler);
batchesRoutes.post("/:id/cancel", cancelBatchHandler);
