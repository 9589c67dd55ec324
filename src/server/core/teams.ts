import { nameProblem } from '../../shared/names.js';
import { conflict, invalid, notFound } from './errors.js';
import { bodyUser, checkTeamName, OrgDomain } from './org-common.js';
import { k2, k3, type TypedOp } from './schema.js';
import { DEVELOPERS } from './state.js';
import type { Actor, Credentials, TeamRec } from './types.js';

/** Teams of an org (`npm team`): `developers` is implicit and holds every member. */
export class Teams extends OrgDomain {
  private requireTeam(org: string, team: string): ReadonlySet<string> {
    checkTeamName(team);
    const set = this.state.teams(org)?.get(team);
    if (!set) throw notFound(`Team ${org}:${team} not found.`);
    return set;
  }

  listTeams(actor: Actor, org: string): string[] {
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    return [...this.state.teams(org)!.keys()].sort().map((t) => `${org}:${t}`);
  }

  teamMembers(actor: Actor, org: string, team: string): string[] {
    checkTeamName(team); // input before org, membership and OTP (docs §2.6)
    this.requireOrg(org);
    this.auth.tokenMayRead(actor, org);
    this.requireMember(actor, org);
    this.requireTeam(org, team);
    if (team === DEVELOPERS) return [...this.state.memberNames(org)];
    return [...this.state.teams(org)!.get(team)!].sort();
  }

  async createTeam(actor: Actor, cred: Credentials, org: string, body: { name?: unknown; description?: unknown }): Promise<{ name: string; description: string | null; created: string }> {
    const team = typeof body.name === 'string' ? body.name.replace(/^@?[^:]*:/, '') : body.name;
    const problem = nameProblem('team', team);
    if (problem) throw invalid(problem);
    if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > 1000)) {
      throw invalid('description must be a string');
    }
    await this.governance(actor, cred, org, ['owner', 'admin']);
    if (this.state.teams(org)!.has(team as string)) throw conflict(`Team ${org}:${team} already exists.`);
    const rec: TeamRec = { description: (body.description as string | undefined) ?? null, created: this.state.iso() };
    await this.state.commit([{ c: 'teams', k: k2(org, team as string), v: rec }, this.state.auditOp(org, actor.user.name, 'org.team.create', team as string)]);
    return { name: `${org}:${team}`, description: rec.description, created: rec.created };
  }

  async destroyTeam(actor: Actor, cred: Credentials, org: string, team: string): Promise<void> {
    checkTeamName(team);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (team === DEVELOPERS) throw conflict(`The ${DEVELOPERS} team holds every member of ${org} and cannot be destroyed.`);
    const ops: TypedOp[] = [{ c: 'teams', k: k2(org, team), v: null }];
    for (const u of set) ops.push({ c: 'teamMembers', k: k3(org, team, u), v: null });
    for (const [k, g] of this.state.all('packageGrants')) if (g.org === org && g.team === team) ops.push({ c: 'packageGrants', k, v: null });
    ops.push(this.state.auditOp(org, actor.user.name, 'org.team.destroy', team));
    await this.state.commit(ops);
  }

  async addTeamMember(actor: Actor, cred: Credentials, org: string, team: string, body: { user?: unknown }): Promise<void> {
    checkTeamName(team);
    const user = bodyUser(body);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (!this.state.roleIn(org, user)) throw notFound(`${user} is not a member of ${org}; add them to the org first.`);
    if (team === DEVELOPERS || set.has(user)) return;
    await this.state.commit([{ c: 'teamMembers', k: k3(org, team, user), v: { added: this.state.iso() } }, this.state.auditOp(org, actor.user.name, 'org.team.add', user, { team })]);
  }

  async removeTeamMember(actor: Actor, cred: Credentials, org: string, team: string, body: { user?: unknown }): Promise<void> {
    checkTeamName(team);
    const user = bodyUser(body);
    await this.governance(actor, cred, org, ['owner', 'admin']);
    const set = this.requireTeam(org, team);
    if (team === DEVELOPERS) throw conflict(`Every member of ${org} is in the ${DEVELOPERS} team; remove them from the org instead.`);
    if (!set.has(user)) throw notFound(`${user} is not in team ${org}:${team}.`);
    await this.state.commit([{ c: 'teamMembers', k: k3(org, team, user), v: null }, this.state.auditOp(org, actor.user.name, 'org.team.remove', user, { team })]);
  }
}
