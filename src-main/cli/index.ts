import { run } from './main';

// `session-warden`: the revocation engine on the command line, for scripts (an HR system
// offboarding leavers, a SIEM alert killing a compromised account).

// Scripts read stderr as one error line per problem; the AWS SDK's multi-line notice about
// Node 20 support (emitted when a client is created) would break that. The app runs on
// Electron's Node 22+ and never sees it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: Date.now,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`session-warden: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
