/**
 * The Node built-ins whose ES import costs an idle agent memory it never
 * uses. An ES import of a built-in builds a facade over all its exports, and
 * reading them runs lazy getters: on Node 22 `http.WebSocket` loads undici
 * (about 10 MB resident), `fs.promises` loads fs/promises and readline, and
 * util's load worker_threads. require() reads none of them, so these modules
 * are required here and the agent imports them from this file.
 *
 * @example
 * import { fs } from "./builtins.js";
 * fs.readFileSync(path, "utf8");
 */
import type * as Fs from "node:fs";
import type * as Http from "node:http";
import { createRequire } from "node:module";
import type * as Util from "node:util";
import type * as V8 from "node:v8";

const require = createRequire(import.meta.url);

/** node:fs (sync API only is used). */
export const fs = require("node:fs") as typeof Fs;
/** node:http (request only; https is imported, it has no such getters). */
export const http = require("node:http") as typeof Http;
/** node:util (parseArgs). */
export const util = require("node:util") as typeof Util;
/** node:v8 (setFlagsFromString). */
export const v8 = require("node:v8") as typeof V8;
