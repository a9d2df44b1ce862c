// Stands in for ajv, ajv-formats and semver inside the bundled conf (see bundle.mjs):
// conf only uses them when given a `schema` or `migrations` option, which mailcfg never
// passes. Reaching one anyway is a bug in mailcfg, so it fails loudly.
function unused() {
  throw new Error("mailcfg's build leaves out conf's schema and migrations support (ajv, semver); do not pass those options to conf.");
}

export class Ajv2020 {
  constructor() {
    unused();
  }
}

export default new Proxy({}, { get: unused });
