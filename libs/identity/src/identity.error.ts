import { bilingual, type Bilingual } from '@yishi/logging';
import { ConflictError, InvalidArgumentError, NotFoundError, assertUnreachable, type RpcError, type Violation } from '@yishi/messaging';

export enum IdentityErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  PlaceNotFound = 'PLACE_NOT_FOUND',
  PlaceCodeTaken = 'PLACE_CODE_TAKEN',
  ElectorateNotFound = 'ELECTORATE_NOT_FOUND',
}

const MESSAGES: Record<IdentityErrorCode, Bilingual> = {
  [IdentityErrorCode.InvalidRequest]: bilingual('The request is not valid', '请求无效'),
  [IdentityErrorCode.PlaceNotFound]: bilingual('No such place', '地点不存在'),
  [IdentityErrorCode.PlaceCodeTaken]: bilingual('A place with this code already exists here', '此处已有相同编码的地点'),
  [IdentityErrorCode.ElectorateNotFound]: bilingual('No such electorate', '选民名册不存在'),
};

export function identityError(code: IdentityErrorCode, violations: readonly Violation[] = []): RpcError {
  const options = { reason: code, violations };
  switch (code) {
    case IdentityErrorCode.InvalidRequest:
      return new InvalidArgumentError(MESSAGES[code], options);
    case IdentityErrorCode.PlaceNotFound:
    case IdentityErrorCode.ElectorateNotFound:
      return new NotFoundError(MESSAGES[code], options);
    case IdentityErrorCode.PlaceCodeTaken:
      return new ConflictError(MESSAGES[code], options);
    default:
      return assertUnreachable(code);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
