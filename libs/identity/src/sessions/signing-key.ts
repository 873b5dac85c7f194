import { Inject, Injectable } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { DataSource } from 'typeorm';

export interface SigningKeys {
  readonly privateKey: KeyLike | Uint8Array;
  readonly publicKey: KeyLike | Uint8Array;
}

const KEY_ID = 'access-token-ed25519';

/**
 * The Ed25519 key that signs access tokens, created on first start and kept in the identity
 * database so every replica signs and verifies with the same one.
 */
@Injectable()
export class SigningKey {
  private keys?: Promise<SigningKeys>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  get(): Promise<SigningKeys> {
    this.keys ??= this.load();
    return this.keys;
  }

  private async load(): Promise<SigningKeys> {
    const generated = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    await this.dataSource.query(
      `INSERT INTO identity_signing_key (id, private_jwk, public_jwk) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [KEY_ID, await exportJWK(generated.privateKey), await exportJWK(generated.publicKey)],
    );
    const [row] = (await this.dataSource.query(`SELECT private_jwk, public_jwk FROM identity_signing_key WHERE id = $1`, [KEY_ID])) as { private_jwk: JWK; public_jwk: JWK }[];
    return { privateKey: await importJWK(row!.private_jwk, 'EdDSA'), publicKey: await importJWK(row!.public_jwk, 'EdDSA') };
  }
}
