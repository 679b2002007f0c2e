/**
 * Writes docs/openapi.json from the client API's zod schemas
 * (src/openai/openapi.ts). Run `npm run openapi` after changing a route or a
 * schema; test/workerd/openapi.test.ts fails while the file is stale.
 */
import { writeFileSync } from "node:fs";
import { openApiDocument } from "../src/openai/openapi.js";

const target = new URL("../docs/openapi.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(openApiDocument(), null, "\t")}\n`);
console.log(`wrote ${target.pathname}`);
