import { z } from 'zod';

const Arn = z.string().min(1).max(2048);
/** 12 digits; kept as text (leading zeros are significant). */
const Account = z.string().regex(/^\d{12}$/);
/** `aws`, `aws-us-gov`, `aws-cn`, … */
const Partition = z.string().regex(/^aws[a-z-]*$/);

/**
 * Who really did it: the caller as AWS identified it (GetCallerIdentity), or the OS user for a
 * local store. `revoked_by` in the store stays the short name Sentinel's tools read; this is what
 * the ledger and the top bar show beside it, so that a name the caller chose for itself (an
 * assumed-role session name, a federated user name) is never taken for a verified person.
 */
export const PrincipalSchema = z.discriminatedUnion('type', [
  /** An IAM user: the name is AWS's own. */
  z.strictObject({ type: z.literal('user'), arn: Arn, partition: Partition, account: Account, userName: z.string().min(1) }),
  /**
   * A role session (`sts:AssumeRole*`, IAM Identity Center). `role` is what AWS authorised; the
   * session name is whatever the caller passed as `RoleSessionName`, so it is marked as such.
   */
  z.strictObject({
    type: z.literal('assumed-role'),
    arn: Arn,
    partition: Partition,
    account: Account,
    role: z.string().min(1),
    callerChosenSessionName: z.string().min(1),
    /** For `AWSReservedSSO_<permission set>_<hex>` roles: the IAM Identity Center permission set. */
    ssoPermissionSet: z.string().min(1).optional(),
  }),
  /** `sts:GetFederationToken`: the name was chosen by the IAM user who asked for the token. */
  z.strictObject({ type: z.literal('federated-user'), arn: Arn, partition: Partition, account: Account, callerChosenSessionName: z.string().min(1) }),
  /** The account's root user. */
  z.strictObject({ type: z.literal('root'), arn: Arn, partition: Partition, account: Account }),
  /** An ARN of a form we do not know: kept whole, claimed as nothing more. */
  z.strictObject({ type: z.literal('other'), arn: Arn }),
  /** A local store (DynamoDB Local, the demo, Redis): the OS account of this desk. */
  z.strictObject({ type: z.literal('local'), osUser: z.string().min(1) }),
]);
export type Principal = z.infer<typeof PrincipalSchema>;
