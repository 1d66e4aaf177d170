// The SMTP edge: nodemailer with the URL from VILICUS_SMTP_URL (smtp:// uses
// STARTTLS when the server offers it, smtps:// is TLS from the start), trusting
// the system's CAs and those of VILICUS_SMTP_CA_FILE.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import nodemailer from 'nodemailer';
import type { RenderedMail } from './render.ts';

export interface Mailer {
  send(to: readonly string[], mail: RenderedMail): Promise<void>;
  close(): void;
}

/** A failed send, with the server's reply code when there was one (4xx: try later, 5xx: final). */
export class SendError extends Error {
  readonly responseCode: number | undefined;
  constructor(message: string, responseCode: number | undefined) {
    super(message);
    this.responseCode = responseCode;
  }
}

/** `caFile` is read here, at start: a missing or unreadable file fails the start, not the first alert. */
export function createMailer(smtpUrl: string, from: string, caFile?: string): Mailer {
  // Node's `ca` replaces the default trust store; keep the system's CAs as well.
  const tls = caFile ? { tls: { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] } } : {};
  // Transport options with the URL among them: a second argument would only be message defaults.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    ...tls,
  });
  return {
    async send(to, mail) {
      try {
        await transport.sendMail({ from, to: [...to], subject: mail.subject, text: mail.text, html: mail.html });
      } catch (error) {
        const e = error as { message?: string; response?: string; responseCode?: number };
        throw new SendError(e.response ?? e.message ?? String(error), e.responseCode);
      }
    },
    close() {
      transport.close();
    },
  };
}
