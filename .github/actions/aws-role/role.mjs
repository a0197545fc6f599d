// Resolves the GitHub role of an environment from its committed file, for the aws-role action. Prints
// `key=value` lines for $GITHUB_OUTPUT; exits 1 with one line naming the problem. No dependencies: runs before or
// after npm ci.
import { readFileSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";

const ENVIRONMENT = /^[a-z][a-z0-9-]*$/;
const ROLES = ["plan", "deploy"];

function fail(message) {
  process.stderr.write(`aws-role: ${message}\n`);
  process.exit(1);
}

const environment = process.env.ENVIRONMENT ?? "";
const role = process.env.ROLE ?? "";
if (!ENVIRONMENT.test(environment)) fail(`environment got ${JSON.stringify(environment)}; allowed: an environment name (lower-case letters, digits, hyphens)`);
if (!ROLES.includes(role)) fail(`role got ${JSON.stringify(role)}; allowed: "plan" or "deploy"`);

const file = join("environments", `${environment}.json`);
let config;
try {
  config = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  fail(`${file}: cannot be read as JSON (${error.message})`);
}
const { accountId, region } = config;
if (typeof accountId !== "string" || !/^[0-9]{12}$/.test(accountId)) fail(`${file}: accountId got ${JSON.stringify(accountId)}; allowed: 12 digits`);
if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region)) fail(`${file}: region got ${JSON.stringify(region)}; allowed: an AWS region name`);

const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
const lines = {
  "role-arn": `arn:${partition}:iam::${accountId}:role/whcsites-${environment}-github-${role}`,
  region,
  "account-id": accountId,
  audience: partition === "aws-cn" ? "sts.amazonaws.com.cn" : "sts.amazonaws.com",
  // CloudTrail shows it on every call: which role and which workflow run.
  "session-name": `github-${role}-${process.env.GITHUB_RUN_ID ?? "local"}`.slice(0, 64),
};
for (const [key, value] of Object.entries(lines)) process.stdout.write(`${key}=${value}\n`);
