/**
 * Turns off V8's optimising compiler (TurboFan) for the whole agent. Imported
 * first by the entry point, so the flag is set before any code runs hot (the
 * schemas' set-up at load is the first). TurboFan's first compile pages about
 * 3.5 MB more of the node binary into an idle agent's resident memory, and
 * more while serving, past the 50 MB idle target; the agent's code runs in
 * the interpreter and the baseline compiler instead, at about 15 % more CPU
 * per job (docs/agent.md, Footprint). Set this early, the flag acts as it does
 * on the command line (`node --no-opt`). ARCNET_V8_OPTIMIZE=1 keeps TurboFan,
 * for an operator who values CPU per job over idle memory.
 */
import { v8 } from "./builtins.js";

if (process.env.ARCNET_V8_OPTIMIZE !== "1") v8.setFlagsFromString("--no-opt");
