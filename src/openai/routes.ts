/** The OpenAI-compatible client API under /v1, behind the client API key. */
import { Hono } from "hono";
import { requireApiKey } from "../auth/bearer.js";
import { requireScope } from "../auth/scopes.js";
import { batchesRoutes, filesRoutes } from "../batches/routes.js";
import type { AppEnv } from "../http/app-env.js";
import { jobsRoutes } from "../jobs-api/routes.js";
import { limitRequests } from "../limits/middleware.js";
import { chatCompletionsHandler, completionsHandler, embeddingsHandler } from "./chat-completions.js";
import { getModelHandler, listModelsHandler } from "./models.js";
import { openApiDocument } from "./openapi.js";

/** Routes: GET /openapi.json (no key), POST /chat/completions, /completions and /embeddings, GET /models and /models/{id}, the async jobs API under /jobs, and the Batch API (/files, /batches). */
export const openaiRoutes = new Hono<AppEnv>();
// The document describes the API and holds nothing secret: it is served before the key check.
openaiRoutes.get("/openapi.json", (c) => c.json(openApiDocument()));
openaiRoutes.use("*", requireApiKey);
openaiRoutes.post("/chat/completions", requireScope("inference"), limitRequests, chatCompletionsHandler);
openaiRoutes.post("/completions", requireScope("inference"), limitRequests, completionsHandler);
openaiRoutes.post("/embeddings", requireScope("inference"), limitRequests, embeddingsHandler);
openaiRoutes.get("/models", requireScope("inference"), listModelsHandler);
openaiRoutes.get("/models/:id{.+}", requireScope("inference"), getModelHandler);
openaiRoutes.route("/jobs", jobsRoutes);
openaiRoutes.route("/files", filesRoutes);
openaiRoutes.route("/batches", batchesRoutes);
