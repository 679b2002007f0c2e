/**
 * zod/mini, with zod's English messages switched on. zod/mini sets no locale
 * (classic zod does), so every module written with it imports zod from here:
 * a wire schema then reports "Invalid input: expected string, received
 * number" wherever it is parsed, in the Worker as in the agent. The agent
 * bundles these schemas, and zod/mini tree-shakes to the parts they use
 * where classic zod brings all of itself (docs/adr/0008).
 *
 * Import it as a namespace (`import * as z from "./zod-mini.js"`): esbuild
 * drops what a namespace import never reads, not what a re-exported `z`
 * object holds.
 *
 * @example
 * const slots = z.int().check(z.minimum(1), z.maximum(1024));
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
