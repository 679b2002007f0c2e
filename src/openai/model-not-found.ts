/** 404 `model_not_found`: the model is not one the API key may use now (see model-catalog.ts). */
import { ApiError } from "../http/errors.js";

/** Longest model id echoed back in the message. */
const MAX_ECHOED_ID = 200;

/** OpenAI's answer for an unknown model: 404, `param: "model"`, `code: "model_not_found"`. */
export class ModelNotFoundError extends ApiError {
	constructor(model: string) {
		super(
			404,
			`model: ${JSON.stringify(model.slice(0, MAX_ECHOED_ID))} is not served to this API key now; GET /v1/models lists the models it may use`,
			{ type: "invalid_request_error", param: "model", code: "model_not_found" },
		);
	}
}
