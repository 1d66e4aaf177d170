// A real SMTP server for the tests, run as its own process: it speaks SMTP
// (smtp-server), parses each message (mailparser) and appends it as one JSON
// line to a file. SMTP_SINK_REJECT=550 makes it refuse every recipient.
//   node test/helpers/smtp-sink.ts <port> <file> [host, default 127.0.0.1]
import { appendFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const [port, file, host = '127.0.0.1'] = process.argv.slice(2);
const reject = Number(process.env['SMTP_SINK_REJECT'] ?? 0);

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (reject) {
      const error = Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: reject });
      return callback(error);
    }
    callback();
  },
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const line = {
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject,
          text: mail.text,
          html: typeof mail.html === 'string' ? mail.html : '',
          receivedAt: new Date().toISOString(),
        };
        appendFileSync(file!, `${JSON.stringify(line)}\n`);
        callback();
      })
      .catch((error: Error) => callback(error));
  },
});
server.listen(Number(port), host, () => process.stdout.write(`smtp sink listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
