/** The walkthrough printed by `registry serve --demo` (stderr), for the seed in fixtures/demo.json. */
export function demoGuide(url: string): string {
  const host = url.replace(/^https?:/, '');
  return `
Demo registry seeded from fixtures/demo.json:
  org acme: owners alice, grace and heidi, admins carol and dave, developers bob, erin and frank;
  without 2FA: bob, carol and frank; heidi's only second factor is a security key. Teams: core = alice, bob, dave; docs = carol, erin, frank.
  alice's TOTP secret: C2VIOIPUZQJJ4YSHQ3XJELQLIZ5MVTPS (add it to an authenticator app, or
  run: node -e "import('otplib').then(o=>console.log(o.generateSync({secret:'C2VIOIPUZQJJ4YSHQ3XJELQLIZ5MVTPS'})))")

Try it from another terminal:
  export ORGCTL_REGISTRY=${url}
  export ORGCTL_TOKEN=npm_DemoAliceToken0000000000000000001        # alice, owner of acme
  node bin/orgctl.js org 2fa status acme
  node bin/orgctl.js org 2fa enforce acme --dry-run
  node bin/orgctl.js org 2fa enforce acme --otp <code>
  npm --registry ${url} --${host}:_authToken=npm_DemoAliceToken0000000000000000001 org ls acme
  npm --registry ${url} --${host}:_authToken=npm_DemoAliceToken0000000000000000001 team ls @acme

The scripted walkthrough of the same seed is \`npm run demo\`.
Press Ctrl-C to stop (state is in memory unless you pass --data DIR).
`;
}
