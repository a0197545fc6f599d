import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importPlugin from "eslint-plugin-import";

/*
 * The layers of src/, top to bottom. A file imports only from its own layer or below (docs/contributing.md, "Layers"):
 *   entry        main.ts, src/app.ts, src/synth.ts, src/token-stack-traces.ts; operator tools src/migrations, src/verify,
 *                src/restore-drill and what they share, src/operator
 *   stacks       src/stacks, and beside them the policy guard src/policies (which never imports a stack)
 *   application  src/config (environment files to typed config; it imports no construct)
 *   constructs   src/constructs: one folder per module (below), the application profiles in ecs-service/profiles
 *   domain       src/domain: AWS facts (Fargate sizes, RDS limits, CIDR maths, partitions, name limits), tier defaults
 *   core         src/core: naming, logical ids, acknowledgements, prop errors
 */
const ENTRY = ["./src/app.ts", "./src/synth.ts", "./src/token-stack-traces.ts", "./main.ts"];
const TOOLS = ["./src/migrations", "./src/verify", "./src/restore-drill", "./src/operator"];
const STACKS = ["./src/stacks"];
const POLICIES = ["./src/policies"];
const APPLICATION = ["./src/config"];
const CONSTRUCTS = ["./src/constructs"];
const DOMAIN = ["./src/domain"];
const CORE = ["./src/core"];

const layerMessage = "Layers run one way (docs/contributing.md, Layers): a file imports only from its own layer or below.";
const zone = (targets, from) => targets.map((target) => ({ target, from, message: layerMessage }));
const LAYER_ZONES = [
  ...zone(CORE, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS, ...DOMAIN]),
  ...zone(DOMAIN, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS]),
  ...zone(CONSTRUCTS, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION]),
  ...zone(APPLICATION, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES]),
  // The environment files become typed config without any construct: the stacks map config onto constructs.
  ...zone(APPLICATION, CONSTRUCTS),
  // The guard reads synthesized JSON and the acknowledgements in src/core, nothing that builds stacks.
  ...zone(POLICIES, [...ENTRY, ...TOOLS, ...STACKS, ...APPLICATION, ...CONSTRUCTS]),
  ...zone(STACKS, [...ENTRY, ...TOOLS]),
  // Operator tools run against deployed stacks; they share no code with the synthesis.
  ...zone(TOOLS, [...ENTRY, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS]),
];

/*
 * The modules of src/constructs and the modules each may use (src/constructs/README.md). From outside its folder a
 * module is used through its index.ts; `<module>:interfaces` allows only its interfaces.ts, the attributes a consumer
 * needs, not the construct behind them. The table runs one way: no module uses one that uses it.
 */
const MODULES = {
  shared: [],
  network: ["shared"],
  secrets: ["shared"],
  alb: ["shared", "network"],
  rds: ["shared", "network"],
  "ecs-service": ["shared", "network:interfaces", "alb:interfaces", "secrets:interfaces"],
  release: ["shared", "network", "secrets", "ecs-service"],
  jobs: ["shared", "network:interfaces", "secrets:interfaces", "ecs-service"],
  observability: ["shared", "alb", "rds", "ecs-service", "jobs"],
  edge: ["shared", "alb", "observability"],
  delivery: ["shared"],
  backup: ["shared", "network:interfaces", "secrets:interfaces", "rds", "ecs-service", "release", "observability"],
};
const moduleDir = (name) => `./src/constructs/${name}`;
/** Every file of src/ and main.ts outside `./src/constructs/<name>` (globs: minimatch extglob). */
const outside = (name) => ["./main.ts", "./src/*.ts", "./src/!(constructs)/**", `./src/constructs/!(${name})/**`];
const MODULE_ZONES = Object.entries(MODULES).flatMap(([name, uses]) => {
  const allowed = uses.length === 0 ? "no other module" : uses.map((u) => u.replace(/:interfaces$/, " (its interfaces.ts only)")).join(", ");
  const message = `Modules use each other one way (src/constructs/README.md): ${name}/ may use ${allowed}.`;
  return Object.keys(MODULES)
    .filter((other) => other !== name && !uses.includes(other))
    .map((other) =>
      uses.includes(`${other}:interfaces`)
        ? { target: moduleDir(name), from: moduleDir(other), except: ["./interfaces.ts"], message }
        : { target: moduleDir(name), from: moduleDir(other), message },
    );
});
// Outside its folder, a module is its index.ts (what it re-exports) and its interfaces.ts.
const ENTRY_ZONES = Object.keys(MODULES).map((name) => ({
  target: outside(name),
  from: moduleDir(name),
  except: ["./index.ts", "./interfaces.ts"],
  message: `Use a module through its index.ts (src/constructs/${name}/index.ts) or its interfaces.ts, not its files.`,
}));
// The GitHub roles are deployed by administrators from a stack of their own: nothing else builds on them.
const DELIVERY_ZONE = {
  target: ["./main.ts", "./src/*.ts", "./src/!(constructs|stacks)/**", "./src/constructs/!(delivery)/**", "./src/stacks/!(github-stack).ts"],
  from: moduleDir("delivery"),
  message: "Only the GitHub stack (src/stacks/github-stack.ts) uses the delivery module; read its names through that stack.",
};

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", ".gen/", ".tf-check/", "coverage/", "**/*.js", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cdktf/provider-aws", message: "Import deeply: @cdktf/provider-aws/lib/<resource> (the barrel costs ~14x synth time)." },
            { name: "@cdktf/provider-random", message: "Import deeply: @cdktf/provider-random/lib/<resource>." },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts", "main.ts"],
    plugins: { import: importPlugin },
    settings: { "import/resolver": { node: { extensions: [".ts", ".js", ".json"] } } },
    rules: { "import/no-restricted-paths": ["error", { zones: [...LAYER_ZONES, ...MODULE_ZONES, ...ENTRY_ZONES, DELIVERY_ZONE] }] },
  },
  {
    // Tests poke at synthesized JSON, whose shape is the thing under test.
    files: ["__tests__/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
