import type { Command } from 'commander';
import type { AppDeps } from '../../factory.js';
import { UsageError } from '../../errors.js';
import { writeJson } from '../../ui/json.js';
import { visible } from '../../ui/visible.js';
import { timeShower } from '../../ui/time.js';
import type { RegistryFlags } from '../common.js';
import { addBaseOptions, baseOptions, checkOrgName, countProblem, parseCount, paths, withOrgApi, type BaseOptions, type OrgDeps } from './api.js';

export interface AuditOptions extends BaseOptions {
  org: string;
  /** ISO 8601 time: only events at or after it. */
  since?: string;
  limit?: number;
}

/** One audit event, as the registry records it. */
export interface AuditEvent {
  id: string;
  time: string;
  org: string;
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

export function registerOrgAudit(parent: Command, deps: AppDeps, runF = auditRun): Command {
  const cmd = parent
    .command('audit')
    .argument('<org>', 'organization name')
    .option('--since <date>', 'only events at or after this date or time (e.g. 2026-11-01 or 2026-11-01T12:00:00Z)')
    .option('--limit <n>', 'at most this many events (newest first)')
    .description("Show an org's audit events, newest first (owners and admins)");
  addBaseOptions(cmd, ['orgctl org audit acme', 'orgctl org audit acme --since 2026-11-01', 'orgctl org audit acme --json']);
  return cmd.action(async (org: string, flags: RegistryFlags & { since?: string; limit?: string }) => {
    await runF(
      {
        ...baseOptions(flags),
        org: checkOrgName(org),
        since: flags.since === undefined ? undefined : parseSince(flags.since),
        limit: flags.limit === undefined ? undefined : parseCount(flags.limit, '--limit', 1),
      },
      deps,
    );
  });
}

/** A date (`2026-11-01`, midnight UTC) or a time, as ISO 8601 (exit 2 when unreadable). */
export function parseSince(raw: string): string {
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new UsageError(`--since must be a date or time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z; got "${raw}"`);
  return new Date(t).toISOString();
}

/** `GET /-/orgctl/v1/orgs/:org/audit?since=&limit=`. */
export async function auditRun(opts: AuditOptions, deps: OrgDeps): Promise<void> {
  const { io } = deps;
  if (opts.limit !== undefined && opts.limit < 1) throw new UsageError(countProblem('--limit', String(opts.limit), 1));
  const events = await withOrgApi(deps, opts, 'org', (api) =>
    api.get<AuditEvent[]>(paths.ext(opts.org, 'audit'), { since: opts.since, limit: opts.limit }),
  'audit');
  if (opts.json) return writeJson(io, events);
  if (events.length === 0) {
    io.err(`No audit events for ${opts.org}${opts.since ? ` since ${opts.since}` : ''}.\n`);
    return;
  }
  const when = timeShower(io, deps.clock);
  for (const e of events) io.out(`${visible(auditLine({ ...e, time: when(e.time) }))}\n`);
}

/** `time  actor  action  target  key=value …`, as the registry sent it (escape it to print it). */
export function auditLine(e: AuditEvent): string {
  const detail = Object.entries(e.detail ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') || '-' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return [e.time, e.actor, e.action, e.target ?? '-', ...detail].join('  ');
}
