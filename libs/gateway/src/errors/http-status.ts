import { HttpStatus } from '@nestjs/common';

import { ErrorCode } from '@yishi/contracts';
import { assertUnreachable } from '@yishi/messaging';

/** The one place a service error code becomes an HTTP status; a new code does not compile until mapped. */
export function httpStatusFor(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.INVALID_ARGUMENT:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.CONFLICT:
      return HttpStatus.CONFLICT;
    case ErrorCode.FORBIDDEN:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.UNAUTHENTICATED:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.FAILED_PRECONDITION:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case ErrorCode.UNAVAILABLE:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.DEADLINE_EXCEEDED:
      return HttpStatus.GATEWAY_TIMEOUT;
    case ErrorCode.INTERNAL:
    case ErrorCode.UNSPECIFIED:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default:
      return assertUnreachable(code);
  }
}
