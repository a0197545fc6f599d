import { Construct, IConstruct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { partitionOf } from "../domain/partition";
import { GITHUB_OIDC_HOST, githubOidcAudience } from "./github-repository";
import { requireAccountId, requireRegion } from "./validation";

/** Properties of {@link GithubOidcProvider}. */
export interface GithubOidcProviderProps {
  /**
   * `"create"`: this stack creates the account's GitHub OIDC provider. Otherwise the ARN of the provider that already
   * exists in the account (`arn:aws:iam::<accountId>:oidc-provider/token.actions.githubusercontent.com`), created by
   * another stack or by hand. An account has at most one provider per URL, so exactly one stack per account says
   * `"create"` and every other stack of that account gives the ARN.
   */
  readonly oidcProvider: string;
  /** The 12-digit account the stack deploys to: the roles that trust the provider live in the same account. */
  readonly accountId: string;
  /** The stack's region, for the partition of the ARN and the audience (`sts.amazonaws.com`, `.cn` in China). */
  readonly region: string;
}

/** The ARN the account's GitHub OIDC provider has (IAM OIDC provider ARNs are named by their URL). */
export function githubOidcProviderArn(accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

// Which stack of an app creates the provider of an account, to refuse a second one before AWS does (at apply, with
// "EntityAlreadyExists" in whichever stack deploys second). Keyed by the app's root construct.
const creators = new WeakMap<IConstruct, Map<string, string>>();

/**
 * The GitHub Actions OIDC identity provider of an account (`https://token.actions.githubusercontent.com`, audience
 * `sts.amazonaws.com`), created here or referenced by ARN; {@link GithubOidcProvider.arn} is the principal of the
 * GitHub roles' trust policies either way.
 *
 * No thumbprint is set: `thumbprint_list` is optional (and computed) in the AWS provider 5.100.0, and AWS validates
 * GitHub's certificate against its own trusted CAs, ignoring thumbprints for this issuer.
 *
 * Two constructs of one app that both create the provider of the same account are refused at synthesis. Stacks of
 * different apps (for example the example environments) cannot see each other: the `oidcProvider` setting must say
 * `"create"` in one place per account.
 */
export class GithubOidcProvider extends Construct {
  /** ARN of the provider (a reference to the resource when created here, so that roles are created after it). */
  public readonly arn: string;
  /** Whether this stack creates (and owns) the provider. */
  public readonly created: boolean;
  /** The provider resource, when created here. */
  public readonly resource?: IamOpenidConnectProvider;

  public constructor(scope: Construct, id: string, props: GithubOidcProviderProps) {
    super(scope, id);
    requireAccountId("GithubOidcProvider", props.accountId);
    requireRegion("GithubOidcProvider", props.region);
    const expectedArn = githubOidcProviderArn(props.accountId, props.region);

    if (props.oidcProvider !== "create") {
      if (props.oidcProvider !== expectedArn) {
        throw new Error(
          `GithubOidcProvider: oidcProvider got ${JSON.stringify(props.oidcProvider)}; allowed: "create", or the provider's ARN in account ${props.accountId}: "${expectedArn}" (roles can only trust a provider of their own account)`,
        );
      }
      this.arn = expectedArn;
      this.created = false;
      return;
    }

    const root = this.node.root;
    const byAccount = creators.get(root) ?? new Map<string, string>();
    creators.set(root, byAccount);
    const other = byAccount.get(props.accountId);
    if (other !== undefined) {
      throw new Error(
        `GithubOidcProvider: oidcProvider got "create" at ${this.node.path}, but ${other} already creates the provider of account ${props.accountId}; allowed: "create" in one stack per account, "${expectedArn}" in every other`,
      );
    }
    byAccount.set(props.accountId, this.node.path);

    this.resource = new IamOpenidConnectProvider(this, "Resource", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [githubOidcAudience(props.region)],
    });
    this.arn = this.resource.arn;
    this.created = true;
  }
}

/** One environment's delivery settings, as {@link deliverySettingsProblems} checks them across environments. */
export interface DeliverySettings {
  /** Environment name (`staging`). */
  readonly environment: string;
  /** The file the settings come from, for messages. */
  readonly file: string;
  /** The account the environment deploys to. */
  readonly accountId: string;
  /** `"create"` or the provider's ARN (see {@link GithubOidcProviderProps.oidcProvider}). */
  readonly oidcProvider: string;
}

/**
 * Problems across environments that no single stack can see, one line each:
 * - an account whose provider more than one environment creates;
 * - two environments of one account whose names overlap as prefixes (`prod` and `prod-eu`): a deploy role is scoped by
 *   the name prefix `whcsites-<environment>-`, so `prod`'s would reach `prod-eu`'s resources.
 *
 * An environment that gives an existing ARN while another creates the provider is fine (the ARN is the created one).
 * An account where every environment gives the ARN is fine too (created outside this app).
 */
export function deliverySettingsProblems(settings: readonly DeliverySettings[]): string[] {
  const problems: string[] = [];
  const byAccount = new Map<string, DeliverySettings[]>();
  for (const s of settings) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s]);
  for (const [accountId, group] of byAccount) {
    const creating = group.filter((s) => s.oidcProvider === "create");
    for (const extra of creating.slice(1)) {
      problems.push(
        `${extra.file}: github.oidcProvider: got "create", but ${creating[0].file} already creates the provider of account ${accountId}; allowed: the provider's ARN (arn:<partition>:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST})`,
      );
    }
    for (const a of group) {
      for (const b of group) {
        if (a !== b && b.environment.startsWith(`${a.environment}-`)) {
          problems.push(
            `${b.file}: environment name: got "${b.environment}", which starts with "${a.environment}-" of ${a.file} in the same account ${accountId}; allowed: names that are not a hyphen-prefix of each other (deploy roles are scoped by the prefix whcsites-<environment>-)`,
          );
        }
      }
    }
  }
  return problems;
}
