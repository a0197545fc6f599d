import { App, Testing, TerraformOutput, TerraformStack } from "cdktf";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { GithubOidcProvider, githubOidcProviderArn } from "../../../src/constructs/delivery/github-oidc-provider";

const ACCOUNT = "123456789012";
const EXISTING = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

function resourcesOf(synth: string): Record<string, Record<string, Record<string, unknown>>> {
  return (JSON.parse(synth).resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
}

describe("GithubOidcProvider", () => {
  describe('GIVEN oidcProvider "create"', () => {
    let provider: GithubOidcProvider | undefined;
    // WHEN it is synthesized
    const synth = Testing.synthScope((scope) => {
      provider = new GithubOidcProvider(scope, "github_oidc", { oidcProvider: "create", accountId: ACCOUNT, region: "eu-west-1" });
      new TerraformOutput(scope, "arn", { value: provider.arn });
    });

    test("THEN the provider trusts GitHub's issuer for the STS audience, with no thumbprint", () => {
      expect(synth).toHaveResourceWithProperties(IamOpenidConnectProvider, {
        url: "https://token.actions.githubusercontent.com",
        client_id_list: ["sts.amazonaws.com"],
      });
      const [config] = Object.values(resourcesOf(synth).aws_iam_openid_connect_provider);
      // thumbprint_list is optional and computed in aws 5.100.0, and AWS ignores it for this issuer.
      expect(config).not.toHaveProperty("thumbprint_list");
    });

    test("THEN its ARN is the created resource's (so roles are created after it)", () => {
      expect(provider?.created).toBe(true);
      expect(provider?.arn).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
      expect(JSON.parse(synth).output.arn.value).toMatch(/^\$\{aws_iam_openid_connect_provider\.[A-Za-z0-9_]+\.arn\}$/);
    });
  });

  describe("GIVEN the ARN of the account's existing provider", () => {
    let provider: GithubOidcProvider | undefined;
    const synth = Testing.synthScope((scope) => {
      provider = new GithubOidcProvider(scope, "github_oidc", { oidcProvider: EXISTING, accountId: ACCOUNT, region: "eu-west-1" });
    });

    test("THEN nothing is created and the ARN is the one given", () => {
      expect(resourcesOf(synth).aws_iam_openid_connect_provider).toBeUndefined();
      expect(provider?.arn).toBe(EXISTING);
      expect(provider?.created).toBe(false);
      expect(provider?.resource).toBeUndefined();
    });
  });

  describe("GIVEN a China region", () => {
    test("THEN the audience and the ARN use the China partition", () => {
      const synth = Testing.synthScope((scope) => {
        new GithubOidcProvider(scope, "github_oidc", { oidcProvider: "create", accountId: ACCOUNT, region: "cn-north-1" });
      });
      expect(synth).toHaveResourceWithProperties(IamOpenidConnectProvider, { client_id_list: ["sts.amazonaws.com.cn"] });
      expect(githubOidcProviderArn(ACCOUNT, "cn-north-1")).toBe(`arn:aws-cn:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`);
    });
  });

  describe("GIVEN bad props", () => {
    test.each([
      ["an ARN of another account", `arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com`],
      ["another issuer", `arn:aws:iam::${ACCOUNT}:oidc-provider/accounts.google.com`],
      ["another partition", `arn:aws-cn:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`],
      ["a typo of create", "Create"],
      ["nothing", ""],
    ])("WHEN oidcProvider is %s THEN it is refused with the ARN that would be accepted", (_case, oidcProvider) => {
      expect(() => Testing.synthScope((scope) => new GithubOidcProvider(scope, "github_oidc", { oidcProvider, accountId: ACCOUNT, region: "eu-west-1" }))).toThrow(
        `GithubOidcProvider: oidcProvider got ${JSON.stringify(oidcProvider)}; allowed: "create", or the provider's ARN in account ${ACCOUNT}: "${EXISTING}" (roles can only trust a provider of their own account)`,
      );
    });

    test("WHEN the account id is not 12 digits THEN it is refused", () => {
      expect(() => Testing.synthScope((scope) => new GithubOidcProvider(scope, "github_oidc", { oidcProvider: "create", accountId: "1234", region: "eu-west-1" }))).toThrow(
        'GithubOidcProvider: accountId got "1234"; allowed: 12 digits',
      );
    });
  });

  describe("GIVEN two stacks of one app", () => {
    function twoStacks(first: string, second: string, secondAccount = ACCOUNT): () => void {
      return () => {
        const app = new App();
        new GithubOidcProvider(new TerraformStack(app, "whcsites-staging"), "github_oidc", { oidcProvider: first, accountId: ACCOUNT, region: "eu-west-1" });
        new GithubOidcProvider(new TerraformStack(app, "whcsites-production"), "github_oidc", { oidcProvider: second, accountId: secondAccount, region: "eu-west-1" });
      };
    }

    test('WHEN both say "create" for the same account THEN the second is refused, naming both', () => {
      expect(twoStacks("create", "create")).toThrow(
        `GithubOidcProvider: oidcProvider got "create" at whcsites-production/github_oidc, but whcsites-staging/github_oidc already creates the provider of account ${ACCOUNT}; allowed: "create" in one stack per account, "${EXISTING}" in every other`,
      );
    });

    test("WHEN one creates and the other gives the ARN THEN both synthesize", () => {
      expect(twoStacks("create", EXISTING)).not.toThrow();
    });

    test('WHEN both say "create" for different accounts THEN both synthesize', () => {
      expect(twoStacks("create", "create", "210987654321")).not.toThrow();
    });
  });
});
