/**
 * Files of the Batch API in R2 (binding FILES): one object per file under
 * `files/{tenant}/{id}`, its name, purpose and creation time in the object's
 * custom metadata, so a file is found only under its own tenant.
 */
import { randomId } from "../auth/crypto.js";

/** Purposes a file may have: uploaded inputs, and the files a batch writes. */
export type FilePurpose = "batch" | "batch_output";

/** OpenAI's file object. */
export interface FileObject {
	id: string;
	object: "file";
	bytes: number;
	created_at: number;
	filename: string;
	purpose: FilePurpose;
	status: "processed";
	expires_at: null;
	status_details: null;
}

function key(tenantId: string, fileId: string): string {
	return `files/${tenantId}/${fileId}`;
}

function toObject(id: string, object: R2Object): FileObject {
	const meta = object.customMetadata ?? {};
	return {
		id,
		object: "file",
		bytes: object.size,
		created_at: Math.floor(Number(meta.createdAt ?? object.uploaded.getTime()) / 1000),
		filename: meta.filename ?? id,
		purpose: meta.purpose === "batch_output" ? "batch_output" : "batch",
		status: "processed",
		expires_at: null,
		status_details: null,
	};
}

/** Stores a file and returns its object. */
export async function putFile(
	bucket: R2Bucket,
	tenantId: string,
	file: { filename: string; purpose: FilePurpose; body: ArrayBuffer | string },
): Promise<FileObject> {
	const id = randomId("file-");
	const object = await bucket.put(key(tenantId, id), file.body, {
		httpMetadata: { contentType: "application/jsonl" },
		customMetadata: { filename: file.filename, purpose: file.purpose, createdAt: String(Date.now()) },
	});
	return toObject(id, object);
}

/** The file's object, or null when this tenant has no file of that id. */
export async function headFile(bucket: R2Bucket, tenantId: string, fileId: string): Promise<FileObject | null> {
	const object = await bucket.head(key(tenantId, fileId));
	return object ? toObject(fileId, object) : null;
}

/** The file's content, or null. */
export async function getFileBody(bucket: R2Bucket, tenantId: string, fileId: string): Promise<R2ObjectBody | null> {
	return bucket.get(key(tenantId, fileId));
}
