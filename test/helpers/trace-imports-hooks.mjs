import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const file = process.env.MAILCFG_TRACE_FILE;
  if (file) appendFileSync(file, resolved.url + "\n");
  return resolved;
}
