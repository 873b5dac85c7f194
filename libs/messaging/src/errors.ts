import { create } from '@bufbuild/protobuf';

import { ErrorCode, ErrorEnvelopeSchema, type ErrorEnvelope, type FieldViolation } from '@yishi/contracts';
import { bilingual, type Bilingual } from '@yishi/logging';

export interface Violation {
  readonly field: string;
  readonly reason: string;
}

export interface RpcErrorOptions {
  /** Module-specific, stable reason for programs, e.g. "BALLOT_CLOSED". */
  readonly reason?: string;
  readonly violations?: readonly Violation[];
}

/** The one error family that crosses service boundaries; anything else becomes INTERNAL. */
export class RpcError extends Error {
  readonly reason: string;
  readonly violations: readonly Violation[];
  readonly messageZh: string;

  constructor(
    readonly code: ErrorCode,
    message: Bilingual,
    options: RpcErrorOptions = {},
  ) {
    super(message.en);
    this.name = new.target.name;
    this.messageZh = message.zh;
    this.reason = options.reason ?? ErrorCode[code];
    this.violations = options.violations ?? [];
  }
}

type RpcErrorClass = new (message: Bilingual, options?: RpcErrorOptions) => RpcError;

function errorClass(code: ErrorCode, name: string): RpcErrorClass {
  const cls = class extends RpcError {
    constructor(message: Bilingual, options?: RpcErrorOptions) {
      super(code, message, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const InvalidArgumentError = errorClass(ErrorCode.INVALID_ARGUMENT, 'InvalidArgumentError');
export const NotFoundError = errorClass(ErrorCode.NOT_FOUND, 'NotFoundError');
export const ConflictError = errorClass(ErrorCode.CONFLICT, 'ConflictError');
export const ForbiddenError = errorClass(ErrorCode.FORBIDDEN, 'ForbiddenError');
export const UnauthenticatedError = errorClass(ErrorCode.UNAUTHENTICATED, 'UnauthenticatedError');
export const FailedPreconditionError = errorClass(ErrorCode.FAILED_PRECONDITION, 'FailedPreconditionError');
/** Nobody is serving the subject. */
export const UnavailableError = errorClass(ErrorCode.UNAVAILABLE, 'UnavailableError');
/** The deadline passed before a reply arrived. */
export const DeadlineExceededError = errorClass(ErrorCode.DEADLINE_EXCEEDED, 'DeadlineExceededError');
export const InternalError = errorClass(ErrorCode.INTERNAL, 'InternalError');

const CLASS_BY_CODE: Record<ErrorCode, RpcErrorClass> = {
  [ErrorCode.UNSPECIFIED]: InternalError,
  [ErrorCode.INVALID_ARGUMENT]: InvalidArgumentError,
  [ErrorCode.NOT_FOUND]: NotFoundError,
  [ErrorCode.CONFLICT]: ConflictError,
  [ErrorCode.FORBIDDEN]: ForbiddenError,
  [ErrorCode.UNAUTHENTICATED]: UnauthenticatedError,
  [ErrorCode.FAILED_PRECONDITION]: FailedPreconditionError,
  [ErrorCode.UNAVAILABLE]: UnavailableError,
  [ErrorCode.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [ErrorCode.INTERNAL]: InternalError,
};

const INTERNAL_MESSAGE = bilingual('Internal error', '内部错误');

/** What a handler's failure looks like on the wire; unknown errors reveal nothing. */
export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (!(error instanceof RpcError)) {
    return create(ErrorEnvelopeSchema, {
      code: ErrorCode.INTERNAL,
      reason: 'INTERNAL',
      message: INTERNAL_MESSAGE.en,
      messageZh: INTERNAL_MESSAGE.zh,
    });
  }
  return create(ErrorEnvelopeSchema, {
    code: error.code,
    reason: error.reason,
    message: error.message,
    messageZh: error.messageZh,
    violations: error.violations.map((violation) => ({ ...violation })),
  });
}

/** The typed error a caller catches for an envelope received from another service. */
export function fromErrorEnvelope(envelope: ErrorEnvelope): RpcError {
  const ErrorClass = CLASS_BY_CODE[envelope.code] ?? InternalError;
  return new ErrorClass(bilingual(envelope.message, envelope.messageZh), {
    reason: envelope.reason,
    violations: envelope.violations.map(({ field, reason }: FieldViolation) => ({ field, reason })),
  });
}

/** Ends an exhaustive `switch` over an error-code enum: a new code without a mapping does not compile. */
export function assertUnreachable(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
