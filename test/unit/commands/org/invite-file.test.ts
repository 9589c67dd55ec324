import { describe, expect, it } from '@jest/globals';
import { parseInviteFile } from '../../../../src/commands/org/invite-file.js';

describe('parseInviteFile', () => {
  it('reads user[,role[,team;team]] lines, skipping blank lines and # comments', () => {
    const text = ['# header', '', 'carol', '  @bob , admin ', 'erin,developer,core;web ; core', 'dave,,web  # trailing comment', '   ', 'frank,owner,'].join('\n');
    expect(parseInviteFile(text)).toEqual({
      entries: [
        { user: 'carol', line: 3 },
        { user: 'bob', role: 'admin', line: 4 },
        { user: 'erin', role: 'developer', teams: ['core', 'web'], line: 5 },
        { user: 'dave', teams: ['web'], line: 6 },
        { user: 'frank', role: 'owner', teams: [], line: 8 },
      ],
      failed: [],
    });
  });

  it('accepts CRLF line ends, a byte-order mark and npm role aliases', () => {
    expect(parseInviteFile('\uFEFFcarol,team-admin\r\nbob,super-admin\r\n')).toEqual({
      entries: [
        { user: 'carol', role: 'admin', line: 1 },
        { user: 'bob', role: 'owner', line: 2 },
      ],
      failed: [],
    });
  });

  it('reports each malformed line with its number and keeps the good ones', () => {
    const text = ['Bad Name', 'carol,king', 'bob,admin,core;../x', 'erin,admin,core,extra', ',admin', 'dave'].join('\n');
    const r = parseInviteFile(text);
    expect(r.entries).toEqual([{ user: 'dave', line: 6 }]);
    expect(r.failed).toEqual([
      { user: 'Bad Name', error: expect.stringMatching(/^line 1: invalid user name "Bad Name"/) },
      { user: 'carol', error: 'line 2: bad role "king": use developer, admin or owner' },
      { user: 'bob', error: expect.stringMatching(/^line 3: invalid team name "\.\.\/x"/) },
      { user: 'erin', error: 'line 4: expected user[,role[,team;team]], got 4 fields' },
      { user: '', error: 'line 5: user name is required' },
    ]);
  });

  it('an empty file or one with only comments has no entries and no failures', () => {
    expect(parseInviteFile('')).toEqual({ entries: [], failed: [] });
    expect(parseInviteFile('# nobody yet\n\n  # still nobody\n')).toEqual({ entries: [], failed: [] });
  });
});
