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
