/** The OpenAI-compatible client API under /v1, behind the client API key. */
import { Hono } from "hono";
import { requireApiKey } from "../auth/bearer.js";
import type { AppEnv } from "../http/app-env.js";
import { chatCompletionsHandler } from "./chat-completions.js";
import { listModelsHandler } from "./models.js";

/** Routes: POST /chat/completions, GET /models. */
export const openaiRoutes = new Hono<AppEnv>();
openaiRoutes.use("*", requireApiKey);
openaiRoutes.post("/chat/completions", chatCompletionsHandler);
openaiRoutes.get("/models", listModelsHandler);
