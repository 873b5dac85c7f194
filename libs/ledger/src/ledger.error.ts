import { bilingual, type Bilingual } from '@yishi/logging';
import {
  ConflictError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  assertUnreachable,
  type RpcError,
  type Violation,
} from '@yishi/messaging';

export enum LedgerErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  BookNotFound = 'BOOK_NOT_FOUND',
  AccountNotFound = 'ACCOUNT_NOT_FOUND',
  EntryNotFound = 'ENTRY_NOT_FOUND',
  AccountCodeTaken = 'ACCOUNT_CODE_TAKEN',
  AccountNotEmpty = 'ACCOUNT_NOT_EMPTY',
}

const MESSAGES: Record<LedgerErrorCode, Bilingual> = {
  [LedgerErrorCode.InvalidRequest]: bilingual('The request is not valid', '请求无效'),
  [LedgerErrorCode.BookNotFound]: bilingual('No such book', '账簿不存在'),
  [LedgerErrorCode.AccountNotFound]: bilingual('No such account', '账户不存在'),
  [LedgerErrorCode.EntryNotFound]: bilingual('No such entry', '分录不存在'),
  [LedgerErrorCode.AccountCodeTaken]: bilingual('An account with this code already exists in the book', '账簿中已有相同编码的账户'),
  [LedgerErrorCode.AccountNotEmpty]: bilingual('Only an account with nothing pending can be closed', '仍有未结预留的账户不能关闭'),
};

/** The ledger's errors as they cross the wire: one exhaustive mapping from code to wire class. */
export function ledgerError(code: LedgerErrorCode, violations: readonly Violation[] = []): RpcError {
  const message = MESSAGES[code];
  const options = { reason: code, violations };
  switch (code) {
    case LedgerErrorCode.InvalidRequest:
      return new InvalidArgumentError(message, options);
    case LedgerErrorCode.BookNotFound:
    case LedgerErrorCode.AccountNotFound:
    case LedgerErrorCode.EntryNotFound:
      return new NotFoundError(message, options);
    case LedgerErrorCode.AccountCodeTaken:
      return new ConflictError(message, options);
    case LedgerErrorCode.AccountNotEmpty:
      return new FailedPreconditionError(message, options);
    default:
      return assertUnreachable(code);
  }
}

/** The request's `account_id` names no account. */
export function accountNotFound(): RpcError {
  return ledgerError(LedgerErrorCode.AccountNotFound, [{ field: 'account_id', reason: 'no such account' }]);
}

/** Why an entry was refused; stored with its id, so a retry gets the same answer. */
export enum Refusal {
  ExceedsCredits = 'EXCEEDS_CREDITS',
  ExceedsDebits = 'EXCEEDS_DEBITS',
  AccountClosed = 'ACCOUNT_CLOSED',
  /** An account's debits or credits (posted and pending) would pass what a Postgres bigint holds. */
  AccountTotalTooLarge = 'ACCOUNT_TOTAL_TOO_LARGE',
  PendingNotFound = 'PENDING_NOT_FOUND',
  PendingAlreadyResolved = 'PENDING_ALREADY_RESOLVED',
  PendingExpired = 'PENDING_EXPIRED',
  /**
   * Only the ledger expires transfers, and only once their time has come. Not stored: time undoes
   * it, and the expiry's id is fixed per transfer, so a stored one would keep the money reserved.
   */
  PendingNotDue = 'PENDING_NOT_DUE',
  /** A reservation whose expiry had passed when it arrived: it would reserve nothing but a moment. */
  ExpiresAtPassed = 'EXPIRES_AT_PASSED',
  PendingAmountExceeded = 'PENDING_AMOUNT_EXCEEDED',
  PendingAccountsMismatch = 'PENDING_ACCOUNTS_MISMATCH',
  ReversedEntryNotFound = 'REVERSED_ENTRY_NOT_FOUND',
  /** Another entry reverses it already. */
  EntryAlreadyReversed = 'ENTRY_ALREADY_REVERSED',
  /** A reversal's postings must be the reversed entry's posted lines, each on the other side. */
  ReversalMismatch = 'REVERSAL_MISMATCH',
  LinkedEntryFailed = 'LINKED_ENTRY_FAILED',
  /** Not stored: the id belongs to a request with other content. */
  IdConflict = 'ID_CONFLICT',
}
