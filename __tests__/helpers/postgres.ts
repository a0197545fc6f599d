import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The PostgreSQL programs a throwaway cluster needs. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
  /** psql 15 or later: the role bootstrap's script uses `\getenv`. */
  readonly psql: string;
  /** `psql --version`, for messages. */
  readonly psqlVersion: string;
}

/** What a psql run gave. */
export interface PsqlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The first executable `name` on PATH, else in the newest /usr/lib/postgresql/<major>/bin; undefined if none. */
function which(name: string): string | undefined {
  const directories = (process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  const versioned = fs.existsSync("/usr/lib/postgresql")
    ? fs
        .readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  for (const directory of [...directories, ...versioned]) {
    const candidate = path.join(directory, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The PostgreSQL server programs and a psql that has `\getenv` (15 or later), or a sentence saying what is missing.
 */
export function findPostgres(): PostgresBinaries | string {
  const initdb = which("initdb");
  const pgCtl = which("pg_ctl");
  const psql = which("psql");
  const missing = [initdb === undefined ? "initdb" : "", pgCtl === undefined ? "pg_ctl" : "", psql === undefined ? "psql" : ""].filter((m) => m !== "");
  if (missing.length > 0) return `${missing.join(", ")} not found on PATH or in /usr/lib/postgresql/*/bin`;
  const version = spawnSync(psql as string, ["--version"], { encoding: "utf8" });
  const major = Number(/(\d+)(?:\.\d+)?/.exec(version.stdout ?? "")?.[1] ?? "0");
  if (version.status !== 0 || major < 15) return `psql 15 or later is needed for \\getenv; ${psql} says ${JSON.stringify((version.stdout ?? "").trim())}`;
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"]).status !== 0) return "running as root, and there is no postgres user to run the server as";
  return { initdb: initdb as string, pgCtl: pgCtl as string, psql: psql as string, psqlVersion: version.stdout.trim() };
}

/** Options of {@link PostgresCluster.start}. */
export interface ClusterOptions {
  /** pg_hba.conf lines, first match wins; `local all all trust` is added last. */
  readonly hba?: readonly string[];
}

/**
 * A throwaway PostgreSQL cluster in a temporary folder: listens on a Unix socket in that folder only (no TCP), trust
 * authentication except the `hba` lines given, fsync off. As root the server runs as the `postgres` user (PostgreSQL
 * refuses to run as root). {@link PostgresCluster.stop} stops it and removes the folder; a process exit does too, so
 * a crashed test run leaves no server behind.
 */
export class PostgresCluster {
  /** The folder of the socket (PGHOST). */
  public readonly socketDirectory: string;
  public readonly port = 5432;
  private readonly dataDirectory: string;
  private running = false;
  private readonly onExit = () => this.stop();

  private constructor(
    private readonly binaries: PostgresBinaries,
    private readonly directory: string,
  ) {
    this.socketDirectory = directory;
    this.dataDirectory = path.join(directory, "data");
  }

  /** initdb, pg_hba.conf, then start; throws with the server's log when a step fails. */
  public static start(binaries: PostgresBinaries, options: ClusterOptions = {}): PostgresCluster {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-pg-"));
    const cluster = new PostgresCluster(binaries, directory);
    process.once("exit", cluster.onExit);
    try {
      if (PostgresCluster.asRoot()) {
        fs.chownSync(directory, Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim()), 0);
        // mkdtemp makes 0700 folders (the Jest run's temporary folder is one): the postgres user must pass through them.
        for (let dir = path.dirname(directory); dir !== path.dirname(dir); dir = path.dirname(dir)) {
          const mode = fs.statSync(dir).mode & 0o7777;
          if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
        }
      }
      cluster.server(binaries.initdb, ["-D", cluster.dataDirectory, "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions", "-E", "UTF8", "--locale", "C"]);
      fs.writeFileSync(path.join(cluster.dataDirectory, "pg_hba.conf"), [...(options.hba ?? []), "local all all trust", ""].join("\n"));
      const serverOptions = `-k ${directory} -p ${cluster.port} -c listen_addresses= -c fsync=off -c full_page_writes=off`;
      cluster.server(binaries.pgCtl, ["-D", cluster.dataDirectory, "-l", path.join(directory, "server.log"), "-o", serverOptions, "-w", "-t", "30", "-s", "start"]);
      cluster.running = true;
    } catch (error) {
      cluster.stop();
      throw error;
    }
    return cluster;
  }

  private static asRoot(): boolean {
    return process.getuid?.() === 0;
  }

  /**
   * Runs `sql` with psql as `user` on `database` (default `whcsites`), with `password` when given, in a clean
   * environment (PATH, and PGHOST/PGPORT of this cluster). ON_ERROR_STOP is on; output unaligned, tuples only.
   */
  public psql(options: { readonly user: string; readonly database?: string; readonly password?: string; readonly sql: string }): PsqlResult {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PGHOST: this.socketDirectory,
      PGPORT: String(this.port),
      PGUSER: options.user,
      PGDATABASE: options.database ?? "whcsites",
      PGCONNECT_TIMEOUT: "10",
      ...(options.password === undefined ? {} : { PGPASSWORD: options.password }),
    };
    return toResult(spawnSync(this.binaries.psql, ["--no-psqlrc", "--no-password", "-At", "-v", "ON_ERROR_STOP=1", "-c", options.sql], { env, encoding: "utf8" }));
  }

  /** Runs a command (the container's) with exactly `env` plus PATH; psql then finds this cluster through PGHOST. */
  public run(command: readonly string[], env: Readonly<Record<string, string>>): PsqlResult {
    return toResult(spawnSync(command[0], command.slice(1), { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" }));
  }

  /** Stops the server (immediately: the data is thrown away) and removes the folder. Safe to call twice. */
  public stop(): void {
    process.removeListener("exit", this.onExit);
    if (this.running) {
      this.running = false;
      try {
        this.server(this.binaries.pgCtl, ["-D", this.dataDirectory, "-m", "immediate", "-w", "-s", "stop"]);
      } catch {
        // Removing the folder below still takes the socket away.
      }
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  /** The server's log, for failure messages. */
  public log(): string {
    try {
      return fs.readFileSync(path.join(this.directory, "server.log"), "utf8");
    } catch {
      return "(no server log)";
    }
  }

  /** Runs a server program, as the postgres user when this process is root. */
  private server(program: string, args: readonly string[]): void {
    const [command, ...rest] = PostgresCluster.asRoot() ? ["runuser", "-u", "postgres", "--", program, ...args] : [program, ...args];
    const result = spawnSync(command, rest, { encoding: "utf8", cwd: this.directory, timeout: 60_000 });
    if (result.status !== 0) {
      throw new Error(`${path.basename(program)} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}\n${this.log()}`);
    }
  }
}

function toResult(result: SpawnSyncReturns<string>): PsqlResult {
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}
