/** Names, passwords, tokens and TOTP secrets of fixtures/registry/basic.json. */
export const BASIC = 'fixtures/registry/basic.json';
export const ALICE = { name: 'alice', password: 'alice-password', token: 'npm_TestAliceToken0000000000000000001', secret: '3FYYCN7DUCYAUULIXB7Q3PWQ3DR2CGFY' };
export const BOB = { name: 'bob', password: 'bob-password', token: 'npm_TestBobToken000000000000000000002' };
export const CAROL = { name: 'carol', password: 'carol-password', token: 'npm_TestCarolToken00000000000000000003' };
export const DAVE = { name: 'dave', password: 'dave-password', token: 'npm_TestDaveToken000000000000000000004', secret: 'G342GU3W5TYNUWVQ6ZFGVQEFXULOHRO2' };
export const ERIN = { name: 'erin', password: 'erin-password', token: 'npm_TestErinToken000000000000000000005' };

/** The seed users by name; `secret` is set for the 2FA users (alice, dave). */
export const USERS: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', { name: string; password: string; token: string; secret?: string }> = {
  alice: ALICE,
  bob: BOB,
  carol: CAROL,
  dave: DAVE,
  erin: ERIN,
};
export type SeedUserName = keyof typeof USERS;
