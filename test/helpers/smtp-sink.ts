// A real SMTP server for the tests, run as its own process: it speaks SMTP
// (smtp-server), parses each message (mailparser) and appends it as one JSON
// line to a file. SMTP_SINK_REJECT=550 makes it refuse every recipient.
// SMTP_SINK_TLS_KEY/CERT (PEM files) offer STARTTLS, and SMTP_SINK_USER/PASS
// then require AUTH over it (production's path), refusing other credentials.
//   node test/helpers/smtp-sink.ts <port> <file> [host, default 127.0.0.1]
import { appendFileSync, readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

const [port, file, host = '127.0.0.1'] = process.argv.slice(2);
const env = process.env;
const reject = Number(env['SMTP_SINK_REJECT'] ?? 0);
const user = env['SMTP_SINK_USER'];
const pass = env['SMTP_SINK_PASS'];

const security: SMTPServerOptions = env['SMTP_SINK_TLS_KEY']
  ? {
      key: readFileSync(env['SMTP_SINK_TLS_KEY']),
      cert: readFileSync(env['SMTP_SINK_TLS_CERT']!),
      // AUTH only once STARTTLS is done (smtp-server's default), and required when credentials are set.
      authOptional: !user,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === user && auth.password === pass) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    }
  : { authOptional: true, disabledCommands: ['STARTTLS'] };

const server = new SMTPServer({
  ...security,
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
          user: session.user ?? null,
          secure: session.secure,
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
