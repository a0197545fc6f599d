import { Construct, IConstruct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { partitionOf } from "../../domain/partition";
import { GITHUB_OIDC_HOST, githubOidcAudience } from "./github-repository";
import { PropError, requireAccountId, requireRegion } from "../shared";

// ── props ──

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

// ── provider arn ──

/** The ARN the account's GitHub OIDC provider has (IAM OIDC provider ARNs are named by their URL). */
export function githubOidcProviderArn(accountId: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

// ── one creator per account ──

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
    // ── validation ──
    requireAccountId("GithubOidcProvider", props.accountId);
    requireRegion("GithubOidcProvider", props.region);
    const expectedArn = githubOidcProviderArn(props.accountId, props.region);

    if (props.oidcProvider !== "create") {
      if (props.oidcProvider !== expectedArn) {
        throw new PropError("GithubOidcProvider", [{ prop: "oidcProvider", detail: `got ${JSON.stringify(props.oidcProvider)}; allowed: "create", or the provider's ARN in account ${props.accountId}: "${expectedArn}" (roles can only trust a provider of their own account)` }]);
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
      throw new PropError("GithubOidcProvider", [{ prop: "oidcProvider", detail: `got "create" at ${this.node.path}, but ${other} already creates the provider of account ${props.accountId}; allowed: "create" in one stack per account, "${expectedArn}" in every other` }]);
    }
    byAccount.set(props.accountId, this.node.path);

    // ── provider ──
    this.resource = new IamOpenidConnectProvider(this, "Resource", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [githubOidcAudience(props.region)],
    });
    this.arn = this.resource.arn;
    this.created = true;
  }
}
