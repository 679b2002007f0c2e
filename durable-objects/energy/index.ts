/**
 * Per-job GPU energy and carbon estimates from ML.ENERGY measurements and
 * rated GPU power. Pure: runs in workerd (GeozoneDO) and in Node alike.
 */
export { DEFAULT_GPU_CLASS_ID, type GpuClass, gpuClasses, gpuClassOf } from "./gpu-class.js";
export { estimateJobEnergy, JOULES_PER_KWH, type JobEnergyEstimate, type JobEnergyInput } from "./job-estimate.js";
export { DEFAULT_BATCH, joulesPerOutputToken, nearestMeasurement } from "./joules-per-token.js";
export { DEFAULT_MODEL_SIZE, MODEL_SIZE_CLASSES, type ModelSizeClass, modelSizeClassOf } from "./model-size.js";
