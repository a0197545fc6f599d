/**
 * One-line descriptions of AWS SDK errors for the operator tools, naming the call that failed.
 */

/** Where {@link withOperationNames} records the failed call on an error (not enumerable, so logs stay as they were). */
const OPERATION = Symbol.for("whcsites.awsOperation");

/** Anything with the SDK clients' `send`. */
interface Sender {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

/** The operation a command object stands for: `RunTaskCommand` -> `RunTask`. */
function operationOf(command: unknown): string {
  const name = (command as { constructor?: { name?: string } } | null)?.constructor?.name;
  return typeof name === "string" && name.endsWith("Command") ? name.slice(0, -"Command".length) : "request";
}

/**
 * The client as the tools use it: an error thrown by `send` remembers which call failed (`ECS RunTask`), so that
 * {@link describeAwsError} can name it. Everything else (config, middleware, `instanceof`) is the client's own.
 *
 * @param client an SDK v3 client
 * @param service the service's short name for messages, for example `ECS`
 */
export function withOperationNames<T extends Sender>(client: T, service: string): T {
  const send = async (...args: unknown[]): Promise<unknown> => {
    try {
      // Looked up at each call and applied on the client itself: the SDK's send reads the client's own config, and
      // test doubles replace the prototype's send.
      return await Reflect.apply(Reflect.get(client, "send") as Sender["send"], client, args);
    } catch (error) {
      if (typeof error === "object" && error !== null && !(OPERATION in error)) {
        Object.defineProperty(error, OPERATION, { value: `${service} ${operationOf(args[0])}`, enumerable: false });
      }
      throw error;
    }
  };
  return new Proxy(client, { get: (obj, prop, receiver) => (prop === "send" ? send : Reflect.get(obj, prop, receiver)) });
}

/** The call recorded on an error by {@link withOperationNames}, such as `ECS RunTask`. */
export function failedOperation(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as Record<symbol, unknown>)[OPERATION];
  return typeof value === "string" ? value : undefined;
}

const HINTS: Readonly<Record<string, string>> = {
  CredentialsProviderError: " (no AWS credentials: set AWS_PROFILE or run aws sso login)",
  AccessDeniedException: " (the caller lacks an IAM permission)",
  AccessDenied: " (the caller lacks an IAM permission)",
  ClusterNotFoundException: " (wrong cluster or region?)",
  ExpiredTokenException: " (credentials expired: log in again)",
  ExpiredToken: " (credentials expired: log in again)",
  TargetGroupNotFoundException: " (wrong target group or region?)",
};

interface SdkErrorShape {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number; readonly headers?: Record<string, string> };
}

/**
 * A one-line description of an AWS SDK error: the call (when known), the error and a hint for the usual causes.
 *
 * An endpoint that answers with something else than the protocol's JSON or XML (an HTML error page from a proxy or
 * a crashed emulator) makes the SDK throw the parser's error ("Unexpected token '<'"); that case is described by the
 * HTTP status and content type instead.
 */
export function describeAwsError(error: unknown): string {
  const operation = failedOperation(error);
  const call = operation === undefined ? "AWS call" : `AWS call ${operation}`;
  if (!(error instanceof Error)) return `${call} failed: ${String(error)}`;
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (isUnparsableResponse(e)) {
    const contentType = headerValue(e.$response?.headers, "content-type");
    // JSON.parse quotes the start of what it got: `Unexpected token '<', "<!doctype "... is not valid JSON`.
    const start = /"(.{1,40}?)"(?:\.\.\.)? is not valid JSON/s.exec(e.message)?.[1];
    const seen = [contentType === undefined ? undefined : `content-type ${contentType}`, start === undefined ? undefined : `starting ${JSON.stringify(start)}`];
    const details = seen.filter((d) => d !== undefined).join(", ");
    return (
      `${call} failed: the endpoint answered HTTP ${status ?? "(no status)"} with a body that is not an AWS API response` +
      `${details === "" ? "" : ` (${details})`}. An emulator that crashed, or a proxy's error page?`
    );
  }
  const where = operation === undefined ? "" : ` in ${operation}`;
  if (error.name === "Error") return `${call} failed${status === undefined ? "" : ` (HTTP ${status})`}: ${error.message}`;
  return `AWS error ${error.name}${where}: ${error.message}${HINTS[error.name] ?? ""}`;
}

/** The SDK got an HTTP answer it could not parse (it rethrows the parser's error with the response attached). */
function isUnparsableResponse(e: SdkErrorShape): boolean {
  const gotResponse = e.$response !== undefined || e.$metadata?.httpStatusCode !== undefined;
  return gotResponse && (e.name === "SyntaxError" || /Deserialization error/.test(e.message));
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
