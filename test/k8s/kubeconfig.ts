// A self-contained kubeconfig (certificates inline), so the file can be
// copied or used after the certificate folder is gone.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { AdminCredentials } from './certs.ts';

export const CONTEXT = 'vilicus-envtest';

export async function writeKubeconfig(path: string, server: string, credentials: AdminCredentials): Promise<void> {
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server, 'certificate-authority-data': b64(credentials.ca) } }],
    users: [
      {
        name: 'admin',
        user: { 'client-certificate-data': b64(credentials.cert), 'client-key-data': b64(credentials.key) },
      },
    ],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: 'admin' } }],
    'current-context': CONTEXT,
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
