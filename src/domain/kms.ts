/**
 * What a key administrator may do with a KMS key: manage it (policy, rotation, aliases, tags, grants' revocation,
 * deletion) but not use it. A key policy that gives the account `kms:*` instead lets any IAM policy of the account
 * grant Decrypt directly, which makes a "use only through <service>" statement next to it moot.
 *
 * `kms:CreateGrant` is left out on purpose: a grant gives use of the key without the policy's conditions. The
 * administrator can still rewrite the key policy (`kms:PutKeyPolicy`): that change is visible and audited, and
 * without it the key could become unmanageable.
 */
export const KMS_KEY_ADMINISTRATION_ACTIONS: readonly string[] = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:List*",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
];

/** The cryptographic operations a key policy should give only under conditions (a service, an encryption context). */
export const KMS_KEY_USE_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant"];

/**
 * What a role named in a key's policy as its administrator may do ({@link rolesAdministerKey}): read the key, change
 * its policy, rotation, description, tags and aliases, and schedule or cancel its deletion. No cryptographic use.
 */
export const KEY_ADMINISTRATOR_ACTIONS: readonly string[] = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:UpdateKeyDescription",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/** A key policy statement, in the order IAM documents print it. */
export interface KeyPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Principal: { readonly AWS: string | readonly string[] };
  readonly Action: readonly string[];
  readonly Resource: "*";
  readonly Condition?: Record<string, Record<string, string>>;
}

/**
 * The account administers the key ({@link KMS_KEY_ADMINISTRATION_ACTIONS}) and does not use it: without this the key
 * becomes unmanageable; with `kms:*` instead, any IAM policy of the account could use it outside its service.
 */
export function accountAdministersKey(accountRootArn: string): KeyPolicyStatement {
  return { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: accountRootArn }, Action: [...KMS_KEY_ADMINISTRATION_ACTIONS], Resource: "*" };
}

/**
 * The roles named here administer the key through its own policy ({@link KEY_ADMINISTRATOR_ACTIONS}), whatever their
 * IAM policies say: an environment's deploy role, whose IAM policies grant nothing on existing keys, so that it may
 * change the policy of, or delete, only the keys whose policy the stack wrote. Undefined for none.
 */
export function rolesAdministerKey(roleArns: readonly string[]): KeyPolicyStatement | undefined {
  if (roleArns.length === 0) return undefined;
  return {
    Sid: "RolesAdministerKey",
    Effect: "Allow",
    Principal: { AWS: roleArns.length === 1 ? roleArns[0] : [...roleArns] },
    Action: [...KEY_ADMINISTRATOR_ACTIONS],
    Resource: "*",
  };
}

/**
 * IAM policies of the account may use the key with `actions`, through one AWS service only (`kms:ViaService`, for
 * example `sns.eu-west-1.amazonaws.com`) and as callers of this account.
 */
export function accountUsesThroughService(sid: string, accountRootArn: string, accountId: string, viaService: string, actions: readonly string[]): KeyPolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: accountRootArn },
    Action: [...actions],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": viaService, "kms:CallerAccount": accountId } },
  };
}
