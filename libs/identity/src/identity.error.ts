import { bilingual, type Bilingual } from '@yishi/logging';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, UnauthenticatedError, assertUnreachable, type RpcError, type Violation } from '@yishi/messaging';

export enum IdentityErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  PlaceNotFound = 'PLACE_NOT_FOUND',
  PlaceCodeTaken = 'PLACE_CODE_TAKEN',
  ElectorateNotFound = 'ELECTORATE_NOT_FOUND',
  HouseholdNotFound = 'HOUSEHOLD_NOT_FOUND',
  PersonNotFound = 'PERSON_NOT_FOUND',
  PersonHasLogin = 'PERSON_HAS_LOGIN',
  AssignmentNotFound = 'ASSIGNMENT_NOT_FOUND',
  AssignmentEnded = 'ASSIGNMENT_ENDED',
  NotEntitledHere = 'NOT_ENTITLED_HERE',
  RoleAboveYourOwn = 'ROLE_ABOVE_YOUR_OWN',
  AlreadyBootstrapped = 'ALREADY_BOOTSTRAPPED',
  LoginTaken = 'LOGIN_TAKEN',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  TooManyAttempts = 'TOO_MANY_ATTEMPTS',
  InvalidToken = 'INVALID_TOKEN',
  RefreshReused = 'REFRESH_REUSED',
}

const MESSAGES: Record<IdentityErrorCode, Bilingual> = {
  [IdentityErrorCode.InvalidRequest]: bilingual('The request is not valid', '请求无效'),
  [IdentityErrorCode.PlaceNotFound]: bilingual('No such place', '地点不存在'),
  [IdentityErrorCode.PlaceCodeTaken]: bilingual('A place with this code already exists here', '此处已有相同编码的地点'),
  [IdentityErrorCode.ElectorateNotFound]: bilingual('No such electorate', '选民名册不存在'),
  [IdentityErrorCode.HouseholdNotFound]: bilingual('No such household', '住户不存在'),
  [IdentityErrorCode.PersonNotFound]: bilingual('No such person in any household', '住户中没有此人'),
  [IdentityErrorCode.PersonHasLogin]: bilingual('This person has a login already', '此人已有登录账号'),
  [IdentityErrorCode.AssignmentNotFound]: bilingual('No such role assignment', '角色任命不存在'),
  [IdentityErrorCode.AssignmentEnded]: bilingual('This role assignment has ended already', '该角色任命已结束'),
  [IdentityErrorCode.NotEntitledHere]: bilingual('You are not entitled to do this at this place', '您无权在此处进行此操作'),
  [IdentityErrorCode.RoleAboveYourOwn]: bilingual('You cannot grant or revoke a role above your own', '不能授予或撤销高于自身的角色'),
  [IdentityErrorCode.AlreadyBootstrapped]: bilingual('An administrator exists already', '已有管理员'),
  [IdentityErrorCode.LoginTaken]: bilingual('This login is already in use', '该登录名已被使用'),
  [IdentityErrorCode.InvalidCredentials]: bilingual('Wrong login or password', '登录名或密码错误'),
  [IdentityErrorCode.TooManyAttempts]: bilingual('Too many login attempts; try again in a minute', '登录尝试过多，请一分钟后再试'),
  [IdentityErrorCode.InvalidToken]: bilingual('The token is not valid', '令牌无效'),
  [IdentityErrorCode.RefreshReused]: bilingual('This session was ended because its refresh token was used twice', '刷新令牌被重复使用，会话已终止'),
};

/** Refuses a request naming the field at fault and why. */
export function invalid(field: string, reason: string): never {
  throw identityError(IdentityErrorCode.InvalidRequest, [{ field, reason }]);
}

export function identityError(code: IdentityErrorCode, violations: readonly Violation[] = []): RpcError {
  const options = { reason: code, violations };
  switch (code) {
    case IdentityErrorCode.InvalidRequest:
      return new InvalidArgumentError(MESSAGES[code], options);
    case IdentityErrorCode.PlaceNotFound:
    case IdentityErrorCode.ElectorateNotFound:
    case IdentityErrorCode.HouseholdNotFound:
    case IdentityErrorCode.PersonNotFound:
    case IdentityErrorCode.AssignmentNotFound:
      return new NotFoundError(MESSAGES[code], options);
    case IdentityErrorCode.NotEntitledHere:
    case IdentityErrorCode.RoleAboveYourOwn:
    case IdentityErrorCode.AlreadyBootstrapped:
      return new ForbiddenError(MESSAGES[code], options);
    case IdentityErrorCode.PlaceCodeTaken:
    case IdentityErrorCode.LoginTaken:
    case IdentityErrorCode.PersonHasLogin:
    case IdentityErrorCode.AssignmentEnded:
      return new ConflictError(MESSAGES[code], options);
    case IdentityErrorCode.InvalidCredentials:
    case IdentityErrorCode.TooManyAttempts:
    case IdentityErrorCode.InvalidToken:
    case IdentityErrorCode.RefreshReused:
      return new UnauthenticatedError(MESSAGES[code], options);
    default:
      return assertUnreachable(code);
  }
}
