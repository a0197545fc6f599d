import type { ContainerDefinition } from "@aws-sdk/client-ecs";

// ── constants ──

/** Name of the task volume mounted at {@link TMP_PATH}: Fargate backs it with the task's ephemeral storage. */
export const TMP_VOLUME_NAME = "tmp";

/**
 * The writable path of a read-only container. Elixir releases write their generated `sys.config` to
 * `RELEASE_TMP` at boot, so without a writable `/tmp` the release cannot start on a read-only root.
 */
export const TMP_PATH = "/tmp";

// ── options ──

/** What {@link appContainerDefinition} needs to describe one container of the release image. */
export interface AppContainerOptions {
  /** Container name (`api`, `migrate`). */
  readonly name: string;
  /** Full image reference; may hold Terraform tokens (the environment stack's `local.release_image`). */
  readonly image: string;
  /**
   * The command, replacing the image's `CMD`. Literal `${` and `%{` reach the container as written (see
   * {@link escapeTemplateSequences}).
   *
   * @default the image's own command
   */
  readonly command?: readonly string[];
  /** Plain environment variables; literal `${` and `%{` in values reach the container as written. Never a secret: use `secrets`. */
  readonly environment: Readonly<Record<string, string>>;
  /** Environment variables read from Secrets Manager when the task starts: variable name to `valueFrom` ARN. */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * Secrets Manager ARN of `{"username", "password"}` credentials for a private registry.
   *
   * @default none: the image is public
   */
  readonly repositoryCredentialsArn?: string;
  /**
   * TCP port the container listens on.
   *
   * @default none: the container does not listen (a one-off task)
   */
  readonly containerPort?: number;
  /**
   * Name of the port mapping, with `appProtocol` http: what ECS Service Connect exposes the port by. Only with
   * `containerPort`.
   *
   * @default none: the port mapping has no name
   */
  readonly portName?: string;
  /** CloudWatch log group of the awslogs driver. */
  readonly logGroupName: string;
  /** AWS region of the log group (the awslogs driver requires it). */
  readonly logRegion: string;
  /** awslogs stream prefix: streams are `<prefix>/<container name>/<task id>`. */
  readonly logStreamPrefix: string;
  /**
   * `non-blocking` buffers log lines so that a CloudWatch Logs slowdown cannot stall the application (lines beyond
   * the buffer are lost); `blocking` keeps every line and stalls instead.
   */
  readonly logMode: "blocking" | "non-blocking";
  /** Whether the root filesystem is read-only; `/tmp` stays writable either way. */
  readonly readonlyRootFilesystem: boolean;
  /** Seconds between SIGTERM and SIGKILL when the task stops (Fargate allows 2 to 120). */
  readonly stopTimeoutSeconds: number;
  /**
   * Docker labels of the container.
   *
   * @default none
   */
  readonly dockerLabels?: Readonly<Record<string, string>>;
}

// ── container definition ──

/**
 * The container definition of the release image, in the ECS API shape that `container_definitions` takes. Secrets
 * only ever go through `secrets` (by ARN), never through `environment`.
 */
export function appContainerDefinition(options: AppContainerOptions): ContainerDefinition {
  const shared = Object.keys(options.environment).filter((name) => name in options.secrets);
  if (shared.length > 0) {
    throw new Error(`appContainerDefinition: ${shared.join(", ")} given both as plain environment and as secret; allowed: one of the two`);
  }
  const definition: ContainerDefinition = {
    name: options.name,
    image: options.image,
    essential: true,
    privileged: false,
    readonlyRootFilesystem: options.readonlyRootFilesystem,
    // An init process forwards SIGTERM to the release and reaps zombies; ECS Exec sessions also rely on it.
    linuxParameters: { initProcessEnabled: true },
    stopTimeout: options.stopTimeoutSeconds,
    environment: sortedPairs(options.environment).map(([name, value]) => ({ name, value: escapeTemplateSequences(value) })),
    secrets: sortedPairs(options.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
    mountPoints: [{ sourceVolume: TMP_VOLUME_NAME, containerPath: TMP_PATH, readOnly: false }],
    portMappings:
      options.containerPort === undefined
        ? []
        : [{ containerPort: options.containerPort, protocol: "tcp", ...(options.portName === undefined ? {} : { name: options.portName, appProtocol: "http" }) }],
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": options.logGroupName,
        "awslogs-region": options.logRegion,
        "awslogs-stream-prefix": options.logStreamPrefix,
        mode: options.logMode,
        ...(options.logMode === "non-blocking" ? { "max-buffer-size": "25m" } : {}),
      },
    },
  };
  if (options.command !== undefined) definition.command = options.command.map(escapeTemplateSequences);
  if (options.dockerLabels !== undefined && Object.keys(options.dockerLabels).length > 0) definition.dockerLabels = { ...options.dockerLabels };
  if (options.repositoryCredentialsArn !== undefined) {
    definition.repositoryCredentials = { credentialsParameter: options.repositoryCredentialsArn };
  }
  return definition;
}

/**
 * Literal text as Terraform passes it on: every string in the JSON is a Terraform template, so `${HOME}` (meant for
 * a shell in the container) would be evaluated by Terraform, as an error or as another value. `${` and `%{` become
 * `$${` and `%%{`, Terraform's escapes, which it turns back into what was written. cdktf tokens (`${TfToken[...]}`)
 * stay references.
 */
export function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * The `container_definitions` argument of a task definition.
 *
 * Plain `JSON.stringify`: Terraform tokens become `${...}` interpolations inside JSON strings, which Terraform fills
 * in at apply. That is safe here because every interpolated value (ARNs, names, the validated image tag) is free of
 * quotes and backslashes; the synthesized value stays readable, valid JSON that tests can parse.
 */
export function containerDefinitionsJson(definitions: readonly ContainerDefinition[]): string {
  return JSON.stringify(definitions);
}

// ── helpers ──

function sortedPairs(record: Readonly<Record<string, string>>): Array<[string, string]> {
  // ECS returns environment and secrets sorted by name; a stable order avoids spurious diffs. Code-point order, not
  // localeCompare: that depends on the machine's locale, and its first call loads ICU collation data (7 ms a synth).
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
