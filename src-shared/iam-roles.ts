import { z } from 'zod';
import { AwsEndpointSchema } from './aws-endpoint';

/**
 * Which IAM role a Sentinel profile's credentials are vended for (issue 19), per saved Sentinel
 * connection: the deny policies that close the residual window are attached to these roles.
 * `profile: '*'` is the role of every profile not listed. Absent: the roles are unknown, and the app
 * says so instead of guessing.
 */
export const IAM_ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
export const ANY_PROFILE = '*';

export const ProfileRoleSchema = z.strictObject({
  profile: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^(\*|[A-Za-z0-9+=,.@_:/-]+)$/, 'a Sentinel profile name, or * for every other profile'),
  role: z.string().trim().regex(IAM_ROLE_NAME, 'an IAM role name: 1 to 64 letters, digits or + = , . @ _ -'),
});
export type ProfileRole = z.infer<typeof ProfileRoleSchema>;

export const IamSettingsSchema = z.strictObject({
  roles: z
    .array(ProfileRoleSchema)
    .max(100)
    .refine((roles) => new Set(roles.map((r) => r.profile)).size === roles.length, 'each profile is mapped once'),
  /** IAM's endpoint: https, or http only to this machine (a local stand-in for tests); absent: AWS's. */
  endpoint: AwsEndpointSchema.optional(),
});
export type IamSettings = z.infer<typeof IamSettingsSchema>;

/** The role a profile's credentials are vended for, or undefined when the connection does not say. */
export function roleOfProfile(settings: IamSettings | undefined, profile: string): string | undefined {
  if (settings === undefined) return undefined;
  return (settings.roles.find((r) => r.profile === profile) ?? settings.roles.find((r) => r.profile === ANY_PROFILE))?.role;
}
