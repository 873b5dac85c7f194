import { SignJWT, base64url, decodeJwt, generateKeyPair, importJWK } from 'jose';

import { IdentityRpc } from '@yishi/contracts';
import { UnauthenticatedError } from '@yishi/messaging';
import { startServiceFixture, type ServiceFixture } from '@yishi/service-kit';

import { identityService } from '../index';
import { SessionsRepository } from './sessions.repository';
import { AUDIENCE, ISSUER } from './sessions.service';

describe('sessions: logins and tokens', () => {
  let identity: ServiceFixture;
  let userId: string;
  const password = 'correct horse battery';

  beforeAll(async () => {
    identity = await startServiceFixture(identityService);
    userId = (await identity.rpc.call(IdentityRpc.registerUser, { name: '张三', login: '13800001234', password })).id;
  });

  afterAll(async () => {
    await identity.stop();
  });

  const login = (address = '10.0.0.1', login = '13800001234', secret = password) => identity.rpc.call(IdentityRpc.login, { login, password: secret, address });
  const verify = (accessToken: string) => identity.rpc.call(IdentityRpc.verifyAccessToken, { accessToken });
  const refused = (reason: string) => expect.objectContaining({ constructor: UnauthenticatedError, reason });

  it('logs in, and the access token names the user', async () => {
    const tokens = await login('10.0.0.2');
    expect(await verify(tokens.accessToken)).toEqual(expect.objectContaining({ userId, login: '13800001234' }));
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: userId, typ: 'access' });
  });

  it('answers a wrong password and an unknown login alike', async () => {
    await expect(login('10.0.0.3', '13800001234', 'wrong password!')).rejects.toEqual(refused('INVALID_CREDENTIALS'));
    await expect(login('10.0.0.3', '13999999999', 'wrong password!')).rejects.toEqual(refused('INVALID_CREDENTIALS'));
  });

  describe('refuses forged and misused tokens', () => {
    let genuine: string;
    beforeAll(async () => {
      genuine = (await login('10.0.0.4')).accessToken;
    });

    const claims = () => ({ typ: 'access', iss: ISSUER, aud: AUDIENCE, sub: userId });

    it('alg: none', async () => {
      const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${genuine.split('.')[1]}.`;
      await expect(verify(unsigned)).rejects.toEqual(refused('INVALID_TOKEN'));
    });

    it('signed with another key', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).setExpirationTime('10m').sign(privateKey);
      await expect(verify(forged)).rejects.toEqual(refused('INVALID_TOKEN'));
    });

    it('signed with another algorithm (HS256)', async () => {
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode('a shared secret someone guessed'));
      await expect(verify(forged)).rejects.toEqual(refused('INVALID_TOKEN'));
    });

    it('a tampered payload', async () => {
      const tampered = `${genuine.split('.')[0]}.${base64url.encode(JSON.stringify({ ...decodeJwt(genuine), sub: '0195f3b4-0000-7000-8000-000000000001' }))}.${genuine.split('.')[2]}`;
      await expect(verify(tampered)).rejects.toEqual(refused('INVALID_TOKEN'));
    });

    it('expired, or for another audience, even when signed with the real key', async () => {
      const rows = await identity.dataSource.query(`SELECT private_jwk FROM identity_signing_key`);
      const key = await importJWK(rows[0].private_jwk, 'EdDSA');
      const expired = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
      await expect(verify(expired)).rejects.toEqual(refused('INVALID_TOKEN'));
      const wrongAudience = await new SignJWT({ ...claims(), aud: 'someone-else' }).setProtectedHeader({ alg: 'EdDSA' }).setExpirationTime('10m').sign(key);
      await expect(verify(wrongAudience)).rejects.toEqual(refused('INVALID_TOKEN'));
      const genuineShape = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).setExpirationTime('10m').sign(key);
      expect(await verify(genuineShape)).toMatchObject({ userId });
    });

    it('a refresh token used as an access token', async () => {
      const { refreshToken } = await login('10.0.0.5');
      await expect(verify(refreshToken)).rejects.toEqual(refused('INVALID_TOKEN'));
    });
  });

  it('rotates refresh tokens; reusing a spent one ends the whole family', async () => {
    const first = await login('10.0.0.6');
    const second = await identity.rpc.call(IdentityRpc.refresh, { refreshToken: first.refreshToken });
    await expect(identity.rpc.call(IdentityRpc.refresh, { refreshToken: first.refreshToken })).rejects.toEqual(refused('REFRESH_REUSED'));
    await expect(identity.rpc.call(IdentityRpc.refresh, { refreshToken: second.refreshToken })).rejects.toEqual(refused('INVALID_TOKEN'));
    const other = await login('10.0.0.6');
    await identity.rpc.call(IdentityRpc.logout, { refreshToken: other.refreshToken });
    await expect(identity.rpc.call(IdentityRpc.refresh, { refreshToken: other.refreshToken })).rejects.toEqual(refused('INVALID_TOKEN'));
  });

  it('changing the password ends every session of the user', async () => {
    const user = await identity.rpc.call(IdentityRpc.registerUser, { name: '王五', login: 'wangwu', password });
    const session = await login('10.0.0.7', 'wangwu');
    await expect(identity.rpc.call(IdentityRpc.changePassword, { userId: user.id, currentPassword: 'not it at all', newPassword: 'a brand new password' })).rejects.toEqual(
      refused('INVALID_CREDENTIALS'),
    );
    await identity.rpc.call(IdentityRpc.changePassword, { userId: user.id, currentPassword: password, newPassword: 'a brand new password' });
    await expect(identity.rpc.call(IdentityRpc.refresh, { refreshToken: session.refreshToken })).rejects.toEqual(refused('INVALID_TOKEN'));
    await expect(login('10.0.0.7', 'wangwu')).rejects.toEqual(refused('INVALID_CREDENTIALS'));
    await expect(login('10.0.0.7', 'wangwu', 'a brand new password')).resolves.toMatchObject({ expiresInSeconds: 900 });
  });

  it('refuses the 11th login attempt in a minute, even with the right password', async () => {
    await identity.rpc.call(IdentityRpc.registerUser, { name: '李四', login: 'lisi', password });
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await expect(identity.rpc.call(IdentityRpc.login, { login: 'lisi', password: 'not the password', address: `10.1.0.${attempt}` })).rejects.toEqual(refused('INVALID_CREDENTIALS'));
    }
    await expect(identity.rpc.call(IdentityRpc.login, { login: 'lisi', password, address: '10.1.0.99' })).rejects.toEqual(refused('TOO_MANY_ATTEMPTS'));
  });

  it('counts attempts over the last sixty seconds, across a minute boundary', async () => {
    const sessions = new SessionsRepository(identity.dataSource);
    const attempt = (at: string) => sessions.countAttempt(['login:boundary', 'address:10.2.0.1'], new Date(at), 60, 11);
    for (let second = 50; second < 60; second += 1) await attempt(`2026-11-23T08:00:${second}Z`);
    expect(await attempt('2026-11-23T08:01:05Z')).toBe(11);
    expect(await attempt('2026-11-23T08:02:00Z')).toBe(2);
  });
});
