import { nameProblem, normalizeRole, type Role } from '../../shared/names.js';

/** One user to invite, from the command line or from a line of an `--from-file` file. */
export interface InviteEntry {
  user: string;
  /** Absent: the command line's `--role`, else the registry's default (developer). */
  role?: Role;
  /** Absent: the command line's `--team`s. */
  teams?: string[];
  /** 1-based line number when the entry came from a file. */
  line?: number;
}

/** A user that was not invited, with the reason (the `failed` items of `org invite --json`). */
export interface InviteFailure {
  user: string;
  error: string;
}

export interface ParsedInviteFile {
  entries: InviteEntry[];
  /** Malformed lines; each error starts with `line <n>: `. */
  failed: InviteFailure[];
}

const FORMAT = 'expected user[,role[,team;team]]';

/**
 * Parses an `org invite --from-file` file: one user per line, `user[,role[,team;team]]`. Blank
 * lines and `#` comments (whole lines or the end of a line) are ignored; fields are trimmed; a
 * leading `@` on the user is dropped; an empty role field means the default role. A malformed
 * line does not stop the others: it is reported with its line number.
 */
export function parseInviteFile(text: string): ParsedInviteFile {
  const entries: InviteEntry[] = [];
  const failed: InviteFailure[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/#.*$/, '').trim();
    if (!content) return;
    const fields = content.split(',').map((f) => f.trim());
    const user = fields[0]!.replace(/^@/, '');
    const fail = (error: string) => failed.push({ user, error: `line ${line}: ${error}` });
    if (fields.length > 3) return fail(`${FORMAT}, got ${fields.length} fields`);
    const userProblem = nameProblem('user', user);
    if (userProblem) return fail(userProblem);
    const entry: InviteEntry = { user, line };
    if (fields[1]) {
      const role = normalizeRole(fields[1]);
      if (!role) return fail(`bad role ${JSON.stringify(fields[1])}: use developer, admin or owner`);
      entry.role = role;
    }
    if (fields.length === 3) {
      const teams = fields[2]!
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean);
      const bad = teams.map((t) => nameProblem('team', t)).find(Boolean);
      if (bad) return fail(bad);
      entry.teams = [...new Set(teams)];
    }
    entries.push(entry);
  });
  return { entries, failed };
}
