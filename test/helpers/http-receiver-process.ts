// A real HTTP receiver in its own process, for webhook and Alertmanager tests:
// records every request (one JSON line each) and answers the first ones with
// the statuses it was given, then 200. Usage: node http-receiver-process.ts PORT FILE [STATUS,…]
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, file, plan = ''] = process.argv.slice(2);
const statuses = plan
  .split(',')
  .filter((s) => s !== '')
  .map(Number);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const status = statuses.shift() ?? 200;
    const record = {
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt: new Date().toISOString(),
      status,
    };
    appendFileSync(file!, `${JSON.stringify(record)}\n`); // before answering: a test that saw the answer sees the record
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `answered ${status}`);
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
