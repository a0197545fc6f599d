/**
 * What must exist before a stack can be applied, and is not created by it: the Route53 hosted zones an environment
 * file names (by id; the stack only adds records). The emulator picks its own zone ids, so the working copy's ids are
 * rewritten to the created ones (adaptation "hosted-zone-ids").
 */
import * as fs from "node:fs";
import { CreateHostedZoneCommand, DeleteHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";

/** A hosted zone named in an environment file. */
export interface NamedHostedZone {
  /** The id in the file (and so in the synthesized stack). */
  readonly hostedZoneId: string;
  /** The domain the zone serves records for (the `name` next to `hostedZoneId`). */
  readonly domainName: string;
  /** Where in the file, for messages: `domain`, `services.admin.domain`, ... */
  readonly field: string;
}

/**
 * Every `hostedZoneId` in an environment file, wherever it sits (the file's shape is the lead's to change), with the
 * domain `name` next to it.
 */
export function hostedZonesInEnvironmentFile(file: string): NamedHostedZone[] {
  const zones: NamedHostedZone[] = [];
  const walk = (value: unknown, field: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${field}[${i}]`));
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (typeof record.hostedZoneId === "string") {
      if (typeof record.name !== "string") {
        throw new Error(`${file}: ${field || "(root)"}.hostedZoneId: got ${JSON.stringify(record.hostedZoneId)} without a "name" next to it; the emulator apply needs the domain name to create the zone`);
      }
      zones.push({ hostedZoneId: record.hostedZoneId, domainName: record.name, field: field || "(root)" });
    }
    for (const [key, v] of Object.entries(record)) walk(v, field === "" ? key : `${field}.${key}`);
  };
  walk(JSON.parse(fs.readFileSync(file, "utf8")) as unknown, "");
  return zones;
}

/** A zone created in the emulator for one run of one stack. */
export interface CreatedHostedZone extends NamedHostedZone {
  /** The id the emulator gave it. */
  readonly emulatorZoneId: string;
}

function client(endpoint: string): Route53Client {
  // Route53 is a global service; its endpoint is the emulator's like every other.
  return new Route53Client({ endpoint, region: "us-east-1", credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" } });
}

/**
 * Creates each zone in the emulator. The zone is named after the domain itself, so it holds the domain's records
 * (alias and certificate validation) whatever the real zone's apex is.
 */
export async function createHostedZones(endpoint: string, zones: readonly NamedHostedZone[], callerReference: string): Promise<CreatedHostedZone[]> {
  const route53 = client(endpoint);
  const created: CreatedHostedZone[] = [];
  for (const [i, zone] of zones.entries()) {
    const out = await route53.send(new CreateHostedZoneCommand({ Name: zone.domainName, CallerReference: `${callerReference}-${i}` }));
    const id = (out.HostedZone?.Id ?? "").replace(/^\/hostedzone\//, "");
    if (id === "") throw new Error(`the emulator created no hosted zone for ${zone.domainName}`);
    created.push({ ...zone, emulatorZoneId: id });
  }
  return created;
}

/** Deletes zones created by {@link createHostedZones} (after the stack's records are destroyed). */
export async function deleteHostedZones(endpoint: string, zones: readonly CreatedHostedZone[]): Promise<void> {
  const route53 = client(endpoint);
  for (const zone of zones) await route53.send(new DeleteHostedZoneCommand({ Id: zone.emulatorZoneId }));
}
