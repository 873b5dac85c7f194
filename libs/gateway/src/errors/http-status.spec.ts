import { ErrorCode } from '@yishi/contracts';

import { httpStatusFor } from './http-status';

describe('service errors as HTTP statuses', () => {
  it.each([
    [ErrorCode.INVALID_ARGUMENT, 400],
    [ErrorCode.UNAUTHENTICATED, 401],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.FAILED_PRECONDITION, 422],
    [ErrorCode.INTERNAL, 500],
    [ErrorCode.UNAVAILABLE, 503],
    [ErrorCode.DEADLINE_EXCEEDED, 504],
  ])('%s → %i', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});
