// The access log of `registry serve` (LineBatch): lines added in one turn of the event loop reach
// stderr in one write at its end; flush() writes what is pending first, so other messages keep
// their place among the access lines.
import { describe, expect, it } from '@jest/globals';
import { LineBatch } from '../../../../src/commands/registry/serve.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('LineBatch', () => {
  it('writes the lines of one turn together, at its end, in order', async () => {
    const writes: string[] = [];
    const b = new LineBatch((s) => writes.push(s));
    b.add('GET /a 200 0.1ms\n');
    b.add('GET /b 404 0.1ms\n');
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(['GET /a 200 0.1ms\nGET /b 404 0.1ms\n']);
    b.add('GET /c 200 0.1ms\n');
    await turn();
    expect(writes).toEqual(['GET /a 200 0.1ms\nGET /b 404 0.1ms\n', 'GET /c 200 0.1ms\n']);
  });

  it('flush() writes what is pending at once, and the turn\'s end then has nothing left to write', async () => {
    const writes: string[] = [];
    const b = new LineBatch((s) => writes.push(s));
    b.add('GET /a 200 0.1ms\n');
    b.flush();
    writes.push('warning: something\n');
    b.flush();
    await turn();
    expect(writes).toEqual(['GET /a 200 0.1ms\n', 'warning: something\n']);
  });
});
