import * as fs from "fs";
import { SCHEMA_PATH } from "../../src/config/environment";

type Schema = { [key: string]: unknown };

/**
 * The path of every property of a JSON Schema (at any depth, in maps, lists, alternatives and definitions) and of every
 * definition that has no `description` of its own.
 */
function undescribed(schema: Schema): string[] {
  const missing: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    const n = node as Schema;
    for (const [key, child] of Object.entries((n.properties ?? {}) as Record<string, Schema>)) {
      const path = at === "" ? key : `${at}.${key}`;
      if (typeof child.description !== "string" || child.description.trim() === "") missing.push(path);
      walk(child, path);
    }
    if (typeof n.additionalProperties === "object") walk(n.additionalProperties, `${at}.<name>`);
    if (typeof n.items === "object") walk(n.items, `${at}[]`);
    for (const branch of (n.oneOf ?? []) as unknown[]) walk(branch, at);
  };
  walk(schema, "");
  for (const [name, definition] of Object.entries((schema.definitions ?? {}) as Record<string, Schema>)) {
    if (typeof definition.description !== "string") missing.push(`definitions.${name}`);
    walk(definition, `definitions.${name}`);
  }
  return missing;
}

describe("environments/schema.json describes every setting", () => {
  test("GIVEN the schema THEN every property, nested or in a definition, and every definition has a description", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as Schema;
    expect(Object.keys(schema.properties as object).length).toBeGreaterThan(15);
    expect(undescribed(schema)).toEqual([]);
  });

  test("the check names each property without a description by its path", () => {
    const schema: Schema = {
      properties: {
        tier: { description: "production or not", enum: ["production", "non-production"] },
        loadBalancer: {
          description: "the load balancer",
          properties: { idleTimeoutSeconds: { type: "integer" }, healthCheck: { properties: { intervalSeconds: { description: " " } } } },
        },
        services: { description: "by name", additionalProperties: { $ref: "#/definitions/service" } },
      },
      definitions: { service: { properties: { cpu: { enum: [256] } } } },
    };
    expect(undescribed(schema)).toEqual([
      "loadBalancer.idleTimeoutSeconds",
      "loadBalancer.healthCheck",
      "loadBalancer.healthCheck.intervalSeconds",
      "definitions.service",
      "definitions.service.cpu",
    ]);
  });
});
