// A minimal HTTPS client for the few calls the envtest helper itself makes
// (readiness, CRDs), so that starting the server needs no kubectl.
import { request } from 'node:https';
import type { AdminCredentials } from './certs.ts';

export interface KubeResponse {
  status: number;
  text: string;
}

export async function kubeRequest(
  server: string,
  credentials: AdminCredentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<KubeResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        method,
        ...credentials,
        // No keep-alive: an idle pooled socket would keep `k8s:up` from exiting.
        agent: false,
        timeout: 10_000,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
