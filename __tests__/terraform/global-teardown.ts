import * as fs from "fs";
import * as path from "path";
import { RUN_LOCK } from "./plan-run";

/** Global teardown of the "terraform" Jest project: releases the run lock the setup took (if this process holds it). */
export default function teardown(): void {
  const pidFile = path.join(RUN_LOCK, "pid");
  if (fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8") === String(process.pid)) fs.rmSync(RUN_LOCK, { recursive: true, force: true });
}
