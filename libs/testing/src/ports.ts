import { randomBytes } from 'node:crypto';

export { freePort } from '@yishi/net';

/** A subject prefix unique to this test run, so runs sharing one NATS never see each other. */
export function testSubjectPrefix(): string {
  return `t${randomBytes(4).toString('hex')}.`;
}
