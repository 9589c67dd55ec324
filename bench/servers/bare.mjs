// The limit on this machine: a bare node:http server answering every request with the same bytes.
//   node bench/servers/bare.mjs <body file> <content-type>      prints its URL (127.0.0.1:0)
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [file, type] = process.argv.slice(2);
const body = readFileSync(file);
const headers = { 'content-type': type, 'content-length': body.length };
const server = http.createServer((req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`));
process.on('SIGTERM', () => process.exit(0));
