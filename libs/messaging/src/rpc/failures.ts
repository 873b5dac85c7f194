import { bilingual } from '@yishi/logging';

import { DeadlineExceededError, UnavailableError } from '../errors';

export function nobodyServes(subject: string): InstanceType<typeof UnavailableError> {
  return new UnavailableError(bilingual(`No service answers ${subject}`, `没有服务响应 ${subject}`), {
    reason: 'NO_RESPONDERS',
  });
}

export function deadlinePassed(subject: string, timeoutMs: number): InstanceType<typeof DeadlineExceededError> {
  return new DeadlineExceededError(
    bilingual(`${subject} did not answer within ${timeoutMs} ms`, `${subject} 未在 ${timeoutMs} 毫秒内响应`),
    { reason: 'DEADLINE_EXCEEDED' },
  );
}
