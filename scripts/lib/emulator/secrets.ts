/**
 * The secret values an applied stack wrote, read back from the emulator, so that the harness can search the state for
 * them (after apply, the state must hold no password, no secret key base and no connection URL). The values
 * come from ephemeral passwords the emulator generated itself (GetRandomPassword): only Secrets Manager knows them.
 *
 * Secrets Manager's JSON protocol over `fetch`: the harness needs one call, not a client library.
 */

// ── types ──

/** A value to search the state for, and where it came from. */
export interface SecretValue {
  /** For example `aws_secretsmanager_secret.secrets_database_app (password)`. */
  readonly what: string;
  readonly value: string;
}

interface StateResource {
  readonly mode?: string;
  readonly type?: string;
  readonly name?: string;
  readonly instances?: ReadonlyArray<{ readonly attributes?: { readonly arn?: string } }>;
}

// ── helpers ──

/** The keys of a JSON secret whose values are secret (the host, port, user and database name are in the state anyway). */
const SECRET_KEYS = new Set(["password", "url"]);

/** Shorter strings would match by chance (a port, a flag). */
const MIN_LENGTH = 8;

/** The values of one secret string worth searching for: the whole string, or its password and URL when it is JSON. */
export function valuesOf(what: string, secretString: string): SecretValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    return Object.entries(parsed as Record<string, unknown>)
      .filter(([key, value]) => SECRET_KEYS.has(key) && typeof value === "string" && value.length >= MIN_LENGTH)
      .map(([key, value]) => ({ what: `${what} (${key})`, value: value as string }));
  }
  return secretString.length >= MIN_LENGTH ? [{ what, value: secretString }] : [];
}

// ── reading ──

/**
 * The current value of every `aws_secretsmanager_secret` in `state`, read from the emulator at `endpoint`. A secret
 * with no value (one the operator fills in) gives nothing; any other answer than a value or "no value" throws.
 */
export async function secretValuesInEmulator(endpoint: string, state: unknown): Promise<SecretValue[]> {
  const resources = ((state as { resources?: StateResource[] }).resources ?? []).filter((r) => r.mode === "managed" && r.type === "aws_secretsmanager_secret");
  const values: SecretValue[] = [];
  for (const resource of resources) {
    for (const instance of resource.instances ?? []) {
      const arn = instance.attributes?.arn;
      if (arn === undefined) continue;
      const region = arn.split(":")[3];
      const response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "secretsmanager.GetSecretValue",
          // The emulator reads the region from the credential scope; it does not check the signature.
          Authorization: `AWS4-HMAC-SHA256 Credential=emulator/20260101/${region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify({ SecretId: arn }),
      });
      const text = await response.text();
      // No value yet (AWS answers 400, the emulator 404).
      if (text.includes("ResourceNotFoundException")) continue;
      if (!response.ok) throw new Error(`GetSecretValue ${arn}: HTTP ${response.status}: ${text.slice(0, 200)}`);
      const secretString = (JSON.parse(text) as { SecretString?: string }).SecretString;
      if (secretString !== undefined) values.push(...valuesOf(`aws_secretsmanager_secret.${resource.name}`, secretString));
    }
  }
  return values;
}
