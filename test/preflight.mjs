// What `npm test` needs besides npm packages, checked by "pretest" before any test runs: on a
// fresh machine a missing tool is one line naming it and the command that installs it, not a
// failure in every test that needs it. As root on Debian with CI=true the tools are installed
// here, as .ci/run does. Plain Node (no TypeScript): it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The harness drives this Chromium (test/e2e/harness.ts), not whatever is on PATH. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Each tool the tests start, how to tell it is here, and the Debian package that brings it.
 * A new store's server is one more line.
 */
const REQUIREMENTS = [
  { name: 'redis-server', pkg: 'redis-server', present: () => onPath('redis-server') !== null },
  { name: 'chromium', pkg: 'chromium', present: () => isExecutable(CHROMIUM) },
  { name: 'Java 17', pkg: 'openjdk-17-jre-headless', present: () => javaMajor() >= 17 },
  // The rediss:// tests make their certificates with it.
  { name: 'openssl', pkg: 'openssl', present: () => onPath('openssl') !== null },
  // The PostgreSQL tests run initdb and postgres themselves (Debian keeps them off PATH).
  { name: 'PostgreSQL', pkg: 'postgresql', present: () => onPath('initdb') !== null || postgresMajors().length > 0 },
];

/** Debian's server binaries: /usr/lib/postgresql/<major>/bin/initdb (the root can be moved for the preflight's own test). */
function postgresMajors() {
  const root = process.env.PREFLIGHT_POSTGRES_ROOT ?? '/usr/lib/postgresql';
  try {
    return readdirSync(root).filter((major) => isExecutable(join(root, major, 'bin', 'initdb')));
  } catch {
    return [];
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** DynamoDB Local needs 17+; `java -version` says `"17.0.15"`, or `"1.8.0_392"` for Java 8. */
function javaMajor() {
  const java = onPath('java');
  if (!java) return 0;
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!version) return 0;
  const major = Number(version[1]);
  return major === 1 ? Number(version[2]) : major;
}

const missing = () => REQUIREMENTS.filter((requirement) => !requirement.present());

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

let absent = missing();
const root = process.getuid?.() === 0;
const aptGet = onPath('apt-get');
if (absent.length > 0 && root && process.env.CI === 'true' && aptGet) {
  const packages = absent.map((requirement) => requirement.pkg);
  console.error(`installing: ${packages.join(' ')}`);
  if (run(aptGet, ['update', '-qq'])) run(aptGet, ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  absent = missing();
}
if (absent.length > 0) {
  const names = absent.map((requirement) => requirement.name).join(', ');
  const packages = absent.map((requirement) => requirement.pkg).join(' ');
  console.error(`npm test needs ${names}: install with: ${root ? '' : 'sudo '}apt-get install -y ${packages}`);
  process.exit(1);
}
