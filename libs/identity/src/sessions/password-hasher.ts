import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP's argon2id recommendation: 19 MiB, two passes, one lane. */
const ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /** Verified against when the login is unknown, so an unknown user costs the same time as a known one. */
  private decoy?: Promise<string>;
  /** How many hashes were computed (login throttling must stop attempts before this grows). */
  verifications = 0;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2ID);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.verifications += 1;
    this.decoy ??= this.hash('decoy password that matches nothing');
    const matches = await argon2.verify(hash ?? (await this.decoy), password);
    return hash !== undefined && matches;
  }
}
