import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A subject prefix unique to this test run, so runs sharing one NATS never see each other. */
export function testSubjectPrefix(): string {
  return `t${randomBytes(4).toString('hex')}.`;
}
