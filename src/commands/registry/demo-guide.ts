/** The walkthrough printed by `npm run demo` (stderr), for the seed in fixtures/demo.json. */
export function demoGuide(url: string): string {
  const host = url.replace(/^https?:/, '');
  return `
Demo registry seeded from fixtures/demo.json:
  org acme: alice (owner, 2FA on), bob (developer, no 2FA), carol (admin, no 2FA); team core = alice, bob.
  alice's TOTP secret: C2VIOIPUZQJJ4YSHQ3XJELQLIZ5MVTPS (add it to an authenticator app, or
  run: node -e "import('otplib').then(o=>console.log(o.generateSync({secret:'C2VIOIPUZQJJ4YSHQ3XJELQLIZ5MVTPS'})))")

Try it from another terminal:
  export ORGCTL_REGISTRY=${url}
  export ORGCTL_TOKEN=npm_DemoAliceToken0000000000000000001        # alice
  node bin/orgctl.js whoami
  npm --registry ${url} --${host}:_authToken=npm_DemoBobToken000000000000000000002 whoami
  npm --registry ${url} --${host}:_authToken=npm_DemoAliceToken0000000000000000001 org ls acme
  npm --registry ${url} --${host}:_authToken=npm_DemoAliceToken0000000000000000001 team ls @acme
  npm --registry ${url} login --auth-type=web                      # opens ${url}-/v1/login/web/…

Press Ctrl-C to stop (state is in memory unless you pass --data DIR).
`;
}
