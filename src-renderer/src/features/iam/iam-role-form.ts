import type { IamSettings } from '../../../../src-shared/iam-roles';

/**
 * The Connections editor's profile → role mapping of a Sentinel connection (issue 19), one
 * mapping a line (`profile = role`, `*` for every other profile), and IAM's endpoint. Main checks
 * them again with the connection's schema; these checks only say it at the field first.
 */
export interface IamRoleForm {
  iamRoles: string;
  iamEndpoint: string;
}

const ROLE = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const PROFILE = /^(\*|[A-Za-z0-9+=,.@_:/-]{1,128})$/;

export function iamFormOf(iam: IamSettings | undefined): IamRoleForm {
  return { iamRoles: (iam?.roles ?? []).map((r) => `${r.profile} = ${r.role}`).join('\n'), iamEndpoint: iam?.endpoint ?? '' };
}

/** `prod-admin = sentinel-admin` (or `→`, `:` is part of a profile name so it is not a separator). */
function parseLine(line: string): { profile: string; role: string } | null {
  const m = /^(.+?)\s*(?:=|→|->)\s*(.+)$/.exec(line.trim());
  return m ? { profile: (m[1] ?? '').trim(), role: (m[2] ?? '').trim() } : null;
}

/** What is wrong with the lines, each said once, in the order written. */
export function iamRoleProblems(form: IamRoleForm): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  form.iamRoles.split('\n').forEach((raw, index) => {
    if (!raw.trim()) return;
    const parsed = parseLine(raw);
    const where = `line ${index + 1}`;
    if (!parsed) return void problems.push(`${where}: write it as profile = role`);
    if (!PROFILE.test(parsed.profile)) problems.push(`${where}: "${parsed.profile}" is not a Sentinel profile name (or *)`);
    if (!ROLE.test(parsed.role)) problems.push(`${where}: "${parsed.role}" is not an IAM role name (1 to 64 letters, digits or + = , . @ _ -)`);
    if (seen.has(parsed.profile)) problems.push(`${where}: profile "${parsed.profile}" is mapped twice`);
    seen.add(parsed.profile);
  });
  const endpoint = form.iamEndpoint.trim();
  if (endpoint && !/^https:\/\/[^/@\s]+|^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(endpoint)) problems.push('IAM endpoint: an https:// URL (http:// only for this machine)');
  return problems;
}

/** The saved connection's `iam`, or nothing when no role is mapped and no endpoint given. */
export function iamRequestOf(form: IamRoleForm): { iam?: IamSettings } {
  const roles = form.iamRoles
    .split('\n')
    .map(parseLine)
    .filter((r): r is { profile: string; role: string } => r !== null);
  const endpoint = form.iamEndpoint.trim();
  if (roles.length === 0 && !endpoint) return {};
  return { iam: { roles, ...(endpoint ? { endpoint } : {}) } };
}
