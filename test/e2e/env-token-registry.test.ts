/**
 * Finding "`ORGCTL_TOKEN` is sent to whatever registry an untrusted project `.npmrc` names". The
 * built CLI in a project folder whose `.npmrc` names a second loopback server that records every
 * Authorization header: with ORGCTL_TOKEN set and no registry chosen by the user, orgctl refuses
 * (exit 2, naming the project file) and that server receives nothing. A registry chosen with
 * --registry, ORGCTL_REGISTRY, npm_config_registry or the user `.npmrc` gets the token as before.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { isolatedDirs, runCli, type CliResult, type IsolatedDirs } from '../helpers/run-cli.js';

const TOKEN = 'npm_envTokenMustStayHome0000000001';

/** A registry that answers whoami for any request and records what it was sent. */
const whoamiServer = () => startScriptedServer((_req, res) => json(res, 200, { username: 'alice' }));
const authorizations = (s: ScriptedServer) => s.requests.map((r) => r.headers.authorization);

let mine: ScriptedServer;
let theirs: ScriptedServer;
let dirs: IsolatedDirs;
let project: string;
beforeEach(async () => {
  mine = await whoamiServer();
  theirs = await whoamiServer();
  dirs = isolatedDirs();
  // A cloned project: package.json and an .npmrc naming someone else's registry.
  project = join(dirs.cwd, 'cloned');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name":"cloned"}\n');
  writeFileSync(join(project, '.npmrc'), `registry=${theirs.url}\n`);
});
afterEach(async () => {
  await mine.close();
  await theirs.close();
});

/** `orgctl whoami` run in the project's src/ folder, with ORGCTL_TOKEN set. */
function whoami(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['whoami', ...args], { dirs, cwd: join(project, 'src'), env: { ORGCTL_TOKEN: TOKEN, ...env } });
}

describe('ORGCTL_TOKEN goes only to a registry the user chose', () => {
  it('a registry named by the project .npmrc: exit 2 naming the file, nothing sent to it', async () => {
    const r = await whoami();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `orgctl: refusing to send ORGCTL_TOKEN to ${theirs.url}: that registry is named by the project file ${join(project, '.npmrc')}.\n` +
        `ORGCTL_TOKEN is sent only to a registry you chose. If you trust this one, pass --registry ${theirs.url} (or set ORGCTL_REGISTRY); otherwise unset ORGCTL_TOKEN.\n`,
    );
    expect(theirs.requests).toEqual([]);
  });

  it('--registry naming the same registry: the user chose it, the token is sent', async () => {
    const r = await whoami(['--registry', theirs.url]);
    expect(r).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    expect(authorizations(theirs)).toEqual([`Bearer ${TOKEN}`]);
  });

  it.each([
    ['ORGCTL_REGISTRY', (url: string) => ({ ORGCTL_REGISTRY: url })],
    ['npm_config_registry', (url: string) => ({ npm_config_registry: url })],
    ['NPM_CONFIG_REGISTRY', (url: string) => ({ NPM_CONFIG_REGISTRY: url })],
  ])('%s beats the project .npmrc: the token goes to that registry only', async (_name, env) => {
    const r = await whoami([], env(mine.url));
    expect(r).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    expect(authorizations(mine)).toEqual([`Bearer ${TOKEN}`]);
    expect(theirs.requests).toEqual([]);
  });

  it("the user's own .npmrc names the registry (no project .npmrc): the token is sent", async () => {
    writeFileSync(dirs.userNpmrc, `registry=${mine.url}\n`);
    writeFileSync(join(project, '.npmrc'), '; nothing here\n');
    const r = await whoami();
    expect(r).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    expect(authorizations(mine)).toEqual([`Bearer ${TOKEN}`]);
  });

  it("without ORGCTL_TOKEN, the project .npmrc's own token for its registry is used as before", async () => {
    const host = new URL(theirs.url).host;
    writeFileSync(join(project, '.npmrc'), `registry=${theirs.url}\n//${host}/:_authToken=npm_projectsOwnToken\n`);
    const r = await whoami([], { ORGCTL_TOKEN: undefined });
    expect(r).toEqual({ code: 0, stdout: 'alice\n', stderr: '' });
    expect(authorizations(theirs)).toEqual(['Bearer npm_projectsOwnToken']);
  });
});
