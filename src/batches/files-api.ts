/**
 * The Files endpoints of the Batch API: POST /v1/files (multipart, purpose
 * `batch`, JSONL), GET /v1/files/{id} and GET /v1/files/{id}/content. Files
 * live in R2 (file-store.ts) and belong to the caller's tenant.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { ApiError, InvalidRequestError } from "../http/errors.js";
import { describeValue } from "../http/validation.js";
import { getFileBody, headFile, putFile } from "./file-store.js";

const FILE_ID = /^file-[A-Za-z0-9]{8,64}$/;

/** 404 for unknown files and other tenants' files alike. */
export function fileNotFound(id: string, param = "id"): ApiError {
	return new ApiError(404, `No such File object: ${JSON.stringify(id.slice(0, 80))}.`, {
		type: "invalid_request_error",
		param,
		code: "file_not_found",
	});
}

/** POST /v1/files: stores a JSONL file for a batch. */
export async function createFileHandler(c: Context<AppEnv>): Promise<Response> {
	let form: FormData;
	try {
		form = await c.req.formData();
	} catch {
		throw new InvalidRequestError(
			`The request body must be multipart/form-data with fields "file" and "purpose"; got content-type ${describeValue(c.req.header("content-type") ?? null)}.`,
			null,
			"invalid_multipart",
		);
	}
	const purpose = form.get("purpose");
	if (purpose !== "batch") {
		throw new InvalidRequestError(
			`purpose: expected "batch", got ${describeValue(typeof purpose === "string" ? purpose : null)}`,
			"purpose",
			"invalid_value",
		);
	}
	const file = form.get("file");
	if (file === null || typeof file === "string") {
		throw new InvalidRequestError(`file: expected a file part, got ${describeValue(file)}`, "file", "invalid_value");
	}
	if (file.size === 0)
		throw new InvalidRequestError(
			"file: expected a JSONL file with at least one line, got 0 bytes",
			"file",
			"invalid_value",
		);
	const body = await file.arrayBuffer();
	const stored = await putFile(c.env.FILES, c.get("client").tenantId, {
		filename: file.name || "input.jsonl",
		purpose,
		body,
	});
	return c.json(stored);
}

/** GET /v1/files/{id}. */
export async function getFileHandler(c: Context<AppEnv>): Promise<Response> {
	const id = c.req.param("id") ?? "";
	const file = FILE_ID.test(id) ? await headFile(c.env.FILES, c.get("client").tenantId, id) : null;
	if (!file) throw fileNotFound(id);
	return c.json(file);
}

/** GET /v1/files/{id}/content: the file's bytes. */
export async function fileContentHandler(c: Context<AppEnv>): Promise<Response> {
	const id = c.req.param("id") ?? "";
	const object = FILE_ID.test(id) ? await getFileBody(c.env.FILES, c.get("client").tenantId, id) : null;
	if (!object) throw fileNotFound(id);
	return new Response(object.body, { headers: { "content-type": "application/octet-stream" } });
}
