import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Naming } from "../core/naming";

/** The repository tagged on every resource, so a console user can find the code that owns it. */
export const REPOSITORY = "whcsites-infra";

/**
 * The AWS provider of a stack: pinned to its region and account, and the only source of tags.
 *
 * `allowed_account_ids` makes Terraform refuse to run with credentials for any other account, so a production
 * configuration can never be applied to the wrong account. With an `alias` it is a second provider of the stack, for
 * resources in another region (`provider = aws.<alias>`; the AWS provider 5.x has no per-resource region).
 */
export function addAwsProvider(scope: Construct, props: { readonly naming: Naming; readonly region: string; readonly accountId: string; readonly alias?: string }): AwsProvider {
  return new AwsProvider(scope, props.alias === undefined ? "aws" : `aws_${props.alias}`, {
    alias: props.alias,
    region: props.region,
    allowedAccountIds: [props.accountId],
    defaultTags: [
      {
        tags: {
          app: props.naming.app,
          environment: props.naming.environment,
          "managed-by": "cdktf",
          repository: REPOSITORY,
        },
      },
    ],
  });
}
