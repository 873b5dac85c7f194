import { LoginRequestSchema } from '@yishi/contracts';
import { create } from '@bufbuild/protobuf';

import type { AuditLog } from '../audit/audit-log';
import type { PasswordHasher } from './password-hasher';
import type { SessionsRepository } from './sessions.repository';
import { LOGIN_ATTEMPTS_PER_MINUTE, SessionsService } from './sessions.service';
import type { SigningKey } from './signing-key';

describe('login throttling', () => {
  it('refuses the attempt over the limit before any password hash is computed', async () => {
    let attempts = 0;
    const sessions = { countAttempt: async () => ++attempts, userByLogin: async () => undefined } as unknown as SessionsRepository;
    const hasher = { verifications: 0, verify: async () => ((hasher.verifications += 1), false) } as unknown as PasswordHasher & { verifications: number };
    const audit = { record: async () => undefined } as unknown as AuditLog;
    const service = new SessionsService(sessions, hasher, {} as SigningKey, audit);
    const request = create(LoginRequestSchema, { login: 'lisi', password: 'whatever', address: '10.0.0.1' });

    for (let attempt = 1; attempt <= LOGIN_ATTEMPTS_PER_MINUTE; attempt += 1) await expect(service.login(request)).rejects.toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    expect(hasher.verifications).toBe(LOGIN_ATTEMPTS_PER_MINUTE);

    await expect(service.login(request)).rejects.toMatchObject({ reason: 'TOO_MANY_ATTEMPTS' });
    expect(hasher.verifications).toBe(LOGIN_ATTEMPTS_PER_MINUTE);
  });
});
