// The PKI a kube-apiserver needs, made with the openssl CLI: a CA, a serving
// certificate for 127.0.0.1, an admin client certificate (O=system:masters,
// which RBAC lets do anything) and the service-account signing key pair.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** What a client needs to talk to the server as admin, as PEM text. */
export interface AdminCredentials {
  ca: string;
  cert: string;
  key: string;
}

// The in-cluster names of the API server, for clients that use the service IP
// (the first address of --service-cluster-ip-range) or its DNS names.
export const SERVING_NAMES = [
  'IP:127.0.0.1',
  'IP:10.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];
const DAYS = '365';

/** `servingNames` replaces the serving certificate's names (the single-node cluster's node address). */
export async function generatePki(dir: string, servingNames: string[] = SERVING_NAMES): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(dir, name);
  const pki: Pki = {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    servingCert: file('apiserver.crt'),
    servingKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPublicKey: file('sa.pub'),
  };
  await newKey(pki.caKey);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    DAYS,
    '-subj',
    '/CN=vilicus-envtest-ca',
  ]);
  await signedCert(pki, 'apiserver', '/CN=kube-apiserver', [
    `subjectAltName=${servingNames.join(',')}`,
    'extendedKeyUsage=serverAuth',
  ]);
  await signedCert(pki, 'admin', '/O=system:masters/CN=vilicus-envtest-admin', ['extendedKeyUsage=clientAuth']);
  // RSA, the key type every token verifier accepts (RS256).
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pki.serviceAccountKey]);
  await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPublicKey]);
  return pki;
}

export async function adminCredentials(pki: Pki): Promise<AdminCredentials> {
  const [ca, cert, key] = await Promise.all([pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f, 'utf8')));
  return { ca: ca!, cert: cert!, key: key! };
}

async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

/** A key `<name>.key` and a certificate `<name>.crt` signed by the CA, in the PKI's folder. */
export async function signedCert(pki: Pki, name: string, subject: string, extensions: string[]): Promise<void> {
  const key = join(pki.dir, `${name}.key`);
  const csr = join(pki.dir, `${name}.csr`);
  const ext = join(pki.dir, `${name}.ext`);
  await newKey(key);
  await openssl(['req', '-new', '-key', key, '-out', csr, '-subj', subject]);
  await writeFile(
    ext,
    ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', ...extensions, ''].join('\n'),
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-out',
    join(pki.dir, `${name}.crt`),
    '-days',
    DAYS,
    '-extfile',
    ext,
  ]);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed (is the openssl CLI installed?): ${stderr || String(err)}`, {
      cause: err,
    });
  }
}
