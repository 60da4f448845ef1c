import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import type { z } from 'zod';
import type { AwsProfileSchema } from '../../src-shared/connections';

export type AwsProfile = z.infer<typeof AwsProfileSchema>;

/**
 * The AWS profiles of `~/.aws/config` and `~/.aws/credentials` (or `AWS_CONFIG_FILE` /
 * `AWS_SHARED_CREDENTIALS_FILE`), read with the SDK's own loader, for picking in the editor.
 * Only names and kinds leave this function: never a key.
 */
export async function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfile[]> {
  const files = await loadSharedConfigFiles({
    ignoreCache: true,
    ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
    ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
  });
  const names = new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)]);
  return [...names]
    .filter((name) => !name.includes('.')) // `sso-session.x` and `services.y` sections are not profiles
    .sort()
    .map((name) => {
      const config = files.configFile[name] ?? {};
      const credentials = files.credentialsFile[name] ?? {};
      const kind: AwsProfile['kind'] =
        config.sso_session || config.sso_start_url
          ? 'sso'
          : config.role_arn || credentials.role_arn
            ? 'role'
            : config.credential_process || credentials.credential_process
              ? 'process'
              : credentials.aws_access_key_id || config.aws_access_key_id
                ? 'static'
                : 'other';
      return { name, kind, ...(config.region ? { region: config.region } : {}) };
    });
}
