import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importPlugin from "eslint-plugin-import";

/*
 * The layers of src/, top to bottom. A file imports only from its own layer or below (README, "Layout"):
 *   entry        main.ts, src/app.ts, src/synth.ts, src/token-stack-traces.ts; operator tools src/migrations, src/verify
 *                and what they share, src/operator
 *   stacks       src/stacks, and beside them the policy guard src/policies (which never imports a stack)
 *   application  src/profiles (how an application runs on the generic constructs) and src/config (environment
 *                files to typed config; it imports no construct and no profile)
 *   constructs   src/constructs
 *   domain       src/domain: AWS facts (Fargate sizes, RDS limits, CIDR maths, partitions, name limits), tier defaults
 *   core         src/core: naming, logical ids, acknowledgements, prop errors
 */
const ENTRY = ["./src/app.ts", "./src/synth.ts", "./src/token-stack-traces.ts", "./main.ts"];
const TOOLS = ["./src/migrations", "./src/verify", "./src/operator"];
const STACKS = ["./src/stacks"];
const POLICIES = ["./src/policies"];
const APPLICATION = ["./src/profiles", "./src/config"];
const CONSTRUCTS = ["./src/constructs"];
const DOMAIN = ["./src/domain"];
const CORE = ["./src/core"];

const layerMessage = "Layers run one way (README, Layout): a file imports only from its own layer or below.";
const zone = (targets, from) => targets.map((target) => ({ target, from, message: layerMessage }));
const LAYER_ZONES = [
  ...zone(CORE, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS, ...DOMAIN]),
  ...zone(DOMAIN, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS]),
  ...zone(CONSTRUCTS, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES, ...APPLICATION]),
  ...zone(APPLICATION, [...ENTRY, ...TOOLS, ...STACKS, ...POLICIES]),
  // The environment files become typed config without any construct: profiles map config onto constructs.
  ...zone(["./src/config"], ["./src/profiles", ...CONSTRUCTS]),
  // The guard reads synthesized JSON and the acknowledgements in src/core, nothing that builds stacks.
  ...zone(POLICIES, [...ENTRY, ...TOOLS, ...STACKS, ...APPLICATION, ...CONSTRUCTS]),
  ...zone(STACKS, [...ENTRY, ...TOOLS]),
  // Operator tools run against deployed stacks; they share no code with the synthesis.
  ...zone(TOOLS, [...ENTRY, ...STACKS, ...POLICIES, ...APPLICATION, ...CONSTRUCTS]),
];

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
    rules: { "import/no-restricted-paths": ["error", { zones: LAYER_ZONES }] },
  },
  {
    // Tests poke at synthesized JSON, whose shape is the thing under test.
    files: ["__tests__/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
