// Loaded with `node --import`: records every module URL the process resolves in the
// file named by MAILCFG_TRACE_FILE, so a test can see which packages a command loads.
import { register } from "node:module";

register(new URL("./trace-imports-hooks.mjs", import.meta.url));
