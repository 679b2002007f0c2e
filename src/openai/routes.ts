/** The OpenAI-compatible client API under /v1, behind the client API key. */
import { Hono } from "hono";
import { requireApiKey } from "../auth/bearer.js";
import { requireScope } from "../auth/scopes.js";
import type { AppEnv } from "../http/app-env.js";
import { jobsRoutes } from "../jobs-api/routes.js";
import { limitRequests } from "../limits/middleware.js";
import { chatCompletionsHandler, completionsHandler, embeddingsHandler } from "./chat-completions.js";
import { listModelsHandler } from "./models.js";

/** Routes: POST /chat/completions, /completions and /embeddings, GET /models, and the async jobs API under /jobs. */
export const openaiRoutes = new Hono<AppEnv>();
openaiRoutes.use("*", requireApiKey);
openaiRoutes.post("/chat/completions", requireScope("inference"), limitRequests, chatCompletionsHandler);
openaiRoutes.post("/completions", requireScope("inference"), limitRequests, completionsHandler);
openaiRoutes.post("/embeddings", requireScope("inference"), limitRequests, embeddingsHandler);
openaiRoutes.get("/models", requireScope("inference"), listModelsHandler);
openaiRoutes.route("/jobs", jobsRoutes);
