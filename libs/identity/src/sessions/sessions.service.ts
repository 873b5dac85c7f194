import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { SignJWT, jwtVerify } from 'jose';
import type { EntityManager } from 'typeorm';

import type { ChangePasswordRequest, LoginRequest, PrincipalSchema, RefreshRequest, RegisterUserRequest, TokenPairSchema, UserSchema, VerifyAccessTokenRequest } from '@yishi/contracts';
import { isUuid, uuidv7 } from '@yishi/persistence';

import { AuditLog, GLOBAL_CHAIN } from '../audit/audit-log';
import { IdentityErrorCode, identityError, invalid } from '../identity.error';

import { PasswordHasher } from './password-hasher';
import { SessionsRepository, type NewUserPerson } from './sessions.repository';
import { SigningKey } from './signing-key';

export const ISSUER = 'yishi-identity';
export const AUDIENCE = 'yishi';
const ACCESS_SECONDS = 15 * 60;
const REFRESH_DAYS = 30;
/** At most this many login attempts per account and per address in any sixty seconds. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;
const LOGIN_WINDOW_SECONDS = 60;
const LOGIN = /^(1\d{10}|[a-z][a-z0-9_.-]{2,39})$/;

type TokenPair = MessageInitShape<typeof TokenPairSchema>;

function checkPassword(password: string, field: string): void {
  if (password.length < 10 || password.length > 200) invalid(field, 'must be 10 to 200 characters');
}

function checkCredentials(login: string, password: string): void {
  if (!LOGIN.test(login)) invalid('login', 'must be a mobile number or a username of 3–40 of a-z, 0-9, "_", ".", "-"');
  checkPassword(password, 'password');
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Logins, access tokens (Ed25519 JWT, algorithm, issuer and audience pinned, 15 minutes) and
 * rotating refresh tokens: a refresh token works once; using a spent one ends the whole family.
 */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(SigningKey) private readonly signingKey: SigningKey,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async register(request: RegisterUserRequest): Promise<MessageInitShape<typeof UserSchema>> {
    if (!request.name.trim()) invalid('name', 'must not be empty');
    return this.createUser({ name: request.name.trim() }, request.login, request.password);
  }

  /** A user for a new person or a recorded one; `alongside` runs in the same transaction (an audit entry). */
  async createUser(person: NewUserPerson, login: string, password: string, alongside?: (manager: EntityManager, userId: string) => Promise<void>): Promise<MessageInitShape<typeof UserSchema>> {
    checkCredentials(login, password);
    const user = await this.sessions.createUser(person, login, await this.hasher.hash(password), alongside);
    if (user === 'login-taken') throw identityError(IdentityErrorCode.LoginTaken, [{ field: 'login', reason: 'already in use' }]);
    if (user === 'person-has-login') throw identityError(IdentityErrorCode.PersonHasLogin, [{ field: 'person_id', reason: 'has a login already' }]);
    return { id: user.id, login: user.login };
  }

  /** The attempt is counted (per login and per address) before any password hash is computed. */
  async login(request: LoginRequest): Promise<TokenPair> {
    const keys = [`login:${request.login}`, `address:${request.address || 'unknown'}`];
    const attempts = await this.sessions.countAttempt(keys, new Date(), LOGIN_WINDOW_SECONDS, LOGIN_ATTEMPTS_PER_MINUTE + 1);
    if (attempts > LOGIN_ATTEMPTS_PER_MINUTE) {
      await this.audited('login_failed', request, 'too many attempts');
      throw identityError(IdentityErrorCode.TooManyAttempts);
    }
    const user = await this.sessions.userByLogin(request.login);
    if (!(await this.hasher.verify(user?.password_hash, request.password))) {
      await this.audited('login_failed', request, 'wrong login or password');
      throw identityError(IdentityErrorCode.InvalidCredentials);
    }
    await this.audited('login', request, '');
    return this.issue(user!.id, uuidv7());
  }

  private audited(action: 'login' | 'login_failed', request: LoginRequest, reason: string): Promise<void> {
    return this.audit.record({ chain: GLOBAL_CHAIN, actor: request.login, action, subject: request.login, details: { address: request.address, ...(reason ? { reason } : {}) } });
  }

  async refresh(request: RefreshRequest): Promise<TokenPair> {
    const token = await this.spend(request.refreshToken);
    return this.issue(token.user_id, token.family_id);
  }

  async logout(request: RefreshRequest): Promise<Record<string, never>> {
    const token = await this.known(request.refreshToken);
    await this.sessions.revokeFamily(token.family_id);
    return {};
  }

  async changePassword(request: ChangePasswordRequest): Promise<Record<string, never>> {
    const user = isUuid(request.userId) ? await this.sessions.userById(request.userId) : undefined;
    if (!(await this.hasher.verify(user?.password_hash, request.currentPassword))) throw identityError(IdentityErrorCode.InvalidCredentials);
    checkPassword(request.newPassword, 'new_password');
    await this.sessions.changePassword(user!.id, await this.hasher.hash(request.newPassword));
    return {};
  }

  async verify(request: VerifyAccessTokenRequest): Promise<MessageInitShape<typeof PrincipalSchema>> {
    const { publicKey } = await this.signingKey.get();
    try {
      const { payload } = await jwtVerify(request.accessToken, publicKey, { algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['sub', 'exp'] });
      if (payload['typ'] !== 'access' || !isUuid(payload.sub ?? '')) throw new Error('not an access token');
      const user = await this.sessions.userById(payload.sub!);
      if (!user) throw new Error('no such user');
      return { userId: user.id, login: user.login };
    } catch {
      throw identityError(IdentityErrorCode.InvalidToken);
    }
  }

  private async issue(userId: string, familyId: string): Promise<TokenPair> {
    const { privateKey } = await this.signingKey.get();
    const accessToken = await new SignJWT({ typ: 'access' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(userId)
      .setJti(uuidv7())
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_SECONDS}s`)
      .sign(privateKey);
    const id = uuidv7();
    const secret = randomBytes(32).toString('base64url');
    await this.sessions.insertRefresh({ id, family_id: familyId, user_id: userId, secret_hash: sha256(secret), expires_at: new Date(Date.now() + REFRESH_DAYS * 86_400_000) });
    return { accessToken, refreshToken: `${id}.${secret}`, expiresInSeconds: ACCESS_SECONDS };
  }

  /** Uses a refresh token once. A second use means it was stolen or replayed: the family ends. */
  private async spend(refreshToken: string) {
    const token = await this.known(refreshToken);
    if (token.revoked_at || token.expires_at.getTime() <= Date.now()) throw identityError(IdentityErrorCode.InvalidToken);
    if (!(await this.sessions.useRefresh(token.id))) {
      await this.sessions.revokeFamily(token.family_id);
      throw identityError(IdentityErrorCode.RefreshReused);
    }
    return token;
  }

  private async known(refreshToken: string) {
    const [id = '', secret = ''] = refreshToken.split('.');
    const token = isUuid(id) ? await this.sessions.findRefresh(id) : undefined;
    if (!token || !timingSafeEqual(token.secret_hash, sha256(secret))) throw identityError(IdentityErrorCode.InvalidToken);
    return token;
  }
}
