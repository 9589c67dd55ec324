import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The demo seed shipped in the package (`files` in package.json lists it), found relative to this
 * module (dist/commands/registry or src/commands/registry: three levels below the package root),
 * so `registry serve --demo` works from any folder and from an installed package.
 */
export const DEMO_SEED_FILE = fileURLToPath(new URL('../../../fixtures/demo.json', import.meta.url));

/** The package's own CLI entry point, for a guide that works whether or not `orgctl` is on PATH. */
const CLI_FILE = fileURLToPath(new URL('../../../bin/orgctl.js', import.meta.url));

const ALICE_SECRET = 'C2VIOIPUZQJJ4YSHQ3XJELQLIZ5MVTPS';
const ALICE_TOKEN = 'npm_DemoAliceToken0000000000000000001';

/** `s` as one POSIX shell word. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A one-liner printing alice's current code with the otplib this package depends on (resolved
 * where it is installed, so it works outside a checkout), or undefined if it cannot be resolved.
 */
function otpCommand(): string | undefined {
  try {
    const otplib = createRequire(import.meta.url).resolve('otplib');
    return `node -e 'console.log(require(process.argv[1]).generateSync({secret:process.argv[2]}))' ${shellWord(otplib)} ${ALICE_SECRET}`;
  } catch {
    return undefined;
  }
}

/**
 * The walkthrough printed by `registry serve --demo` (stderr) for the demo seed. `seeded` is false
 * when `--data` named a folder that already had state, so the seed was not applied.
 */
export function demoGuide(url: string, seeded: boolean): string {
  const host = url.replace(/^https?:/, '');
  const otp = otpCommand();
  const head = seeded
    ? 'Demo registry, seeded with the demo data shipped with orgctl:'
    : 'warning: the data folder already had state, so the demo data was NOT applied; what follows\n' +
      'describes the demo data and may not match it (start with a new --data folder, or none).';
  return `
${head}
  org acme: owners alice, grace and heidi, admins carol and dave, developers bob, erin and frank;
  without 2FA: bob, carol and frank; heidi's only second factor is a security key.
  Teams: core = alice, bob, dave; docs = carol, erin, frank.
  alice's TOTP secret: ${ALICE_SECRET}: add it to an authenticator app${otp ? ', or print\n  her current code with: ' + otp : ''}

Try it from another terminal:
  export ORGCTL_REGISTRY=${url}
  export ORGCTL_TOKEN=${ALICE_TOKEN}        # alice, owner of acme
  orgctl org 2fa status acme
  orgctl org 2fa enforce acme --dry-run
  orgctl org 2fa enforce acme --otp <code>
  npm --registry ${url} --${host}:_authToken=${ALICE_TOKEN} org ls acme
  (orgctl not on your PATH? run: node ${shellWord(CLI_FILE)} org 2fa status acme)

Press Ctrl-C to stop (state is in memory unless you pass --data DIR).
`;
}
