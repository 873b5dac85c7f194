import { ErrorCode } from '@yishi/contracts';
import { bilingual } from '@yishi/logging';

import {
  ConflictError,
  DeadlineExceededError,
  FailedPreconditionError,
  ForbiddenError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  RpcError,
  UnauthenticatedError,
  UnavailableError,
  fromErrorEnvelope,
  toErrorEnvelope,
} from './errors';
import { decodeErrorReply, encodeErrorReply } from './wire';

describe('the error envelope', () => {
  it.each([
    [InvalidArgumentError, ErrorCode.INVALID_ARGUMENT],
    [NotFoundError, ErrorCode.NOT_FOUND],
    [ConflictError, ErrorCode.CONFLICT],
    [ForbiddenError, ErrorCode.FORBIDDEN],
    [UnauthenticatedError, ErrorCode.UNAUTHENTICATED],
    [FailedPreconditionError, ErrorCode.FAILED_PRECONDITION],
    [UnavailableError, ErrorCode.UNAVAILABLE],
    [DeadlineExceededError, ErrorCode.DEADLINE_EXCEEDED],
  ])('brings a %p back as the same class, code, reason, both languages and field violations', (ErrorClass, code) => {
    const sent = new ErrorClass(bilingual('Amount has more than two decimals', '金额超过两位小数'), {
      reason: 'AMOUNT_TOO_PRECISE',
      violations: [{ field: 'amount', reason: 'at most two decimals' }],
    });
    const received = decodeErrorReply(encodeErrorReply(sent, {}));
    expect(received).toBeInstanceOf(ErrorClass);
    expect(received).toMatchObject({
      code,
      reason: 'AMOUNT_TOO_PRECISE',
      message: 'Amount has more than two decimals',
      messageZh: '金额超过两位小数',
      violations: [{ field: 'amount', reason: 'at most two decimals' }],
    });
  });

  it('reveals nothing of an unexpected error: no message, no stack', () => {
    const envelope = toErrorEnvelope(new TypeError('cannot read properties of undefined (reading "password")'));
    expect(envelope).toMatchObject({ code: ErrorCode.INTERNAL, reason: 'INTERNAL', message: 'Internal error', messageZh: '内部错误' });
    expect(JSON.stringify(envelope)).not.toContain('password');
  });

  it('reads an unknown code as an internal error rather than failing', () => {
    const error = fromErrorEnvelope({ ...toErrorEnvelope(new Error('x')), code: 99 as ErrorCode });
    expect(error).toBeInstanceOf(InternalError);
    expect(error).toBeInstanceOf(RpcError);
  });
});
