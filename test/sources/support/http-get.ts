// GET over its own connection (no pooling), for tests that hold many requests open at once.
import { request } from 'node:http';

export interface GetResult {
  readonly status: number;
  readonly index: number;
  readonly body: string;
}

export function httpGet(url: string): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index']), body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
