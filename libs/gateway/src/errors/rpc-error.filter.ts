import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

import { ErrorCode } from '@yishi/contracts';
import { RpcError } from '@yishi/messaging';

import { httpStatusFor } from './http-status';

/** What an API caller sees when something fails: a code, both languages, the fields at fault. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly reason: string;
    readonly message: string;
    readonly messageZh: string;
    readonly violations: readonly { field: string; reason: string }[];
  };
}

function bodyOf(error: RpcError): ApiErrorBody {
  return {
    error: {
      code: ErrorCode[error.code],
      reason: error.reason,
      message: error.message,
      messageZh: error.messageZh,
      violations: error.violations,
    },
  };
}

/** Maps service errors (and anything unexpected) to HTTP; Nest's own HTTP errors pass as they are. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const error = exception instanceof RpcError ? exception : new RpcError(ErrorCode.INTERNAL, { en: 'Internal error', zh: '内部错误' });
    response.status(httpStatusFor(error.code)).json(bodyOf(error));
  }
}
