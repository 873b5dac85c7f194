import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** The chain of what belongs to no community (logins). */
export const GLOBAL_CHAIN = 'global';

export type AuditAction = 'role_granted' | 'role_revoked' | 'mandate_recorded' | 'login' | 'login_failed' | 'roster_imported' | 'household_voters_named' | 'member_login_created';

export interface AuditRecord {
  readonly chain: string;
  readonly actor: string;
  readonly action: AuditAction;
  readonly subject: string;
  readonly details: Readonly<Record<string, string>>;
}

interface StoredAudit extends AuditRecord {
  sequence: string;
  at: Date;
  previous_hash: string;
  hash: string;
}

function auditHash(previousHash: string, sequence: bigint, at: Date, record: AuditRecord): string {
  const details = Object.entries(record.details).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const content = JSON.stringify([record.chain, sequence.toString(), at.toISOString(), record.actor, record.action, record.subject, details]);
  return createHash('sha256').update(previousHash).update('\n').update(content).digest('hex');
}

/**
 * Role grants and revocations, mandates, logins, failed logins and imports, append-only and hash-chained per community, so
 * an entry removed or altered afterwards shows when the chain is verified.
 */
@Injectable()
export class AuditLog {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Appends inside the caller's transaction when given one, else in its own. */
  async record(record: AuditRecord, manager?: EntityManager): Promise<void> {
    if (!manager) return this.dataSource.transaction((own) => this.record(record, own));
    await manager.query(`INSERT INTO identity_audit_head (chain) VALUES ($1) ON CONFLICT DO NOTHING`, [record.chain]);
    const [head] = (await manager.query(`SELECT sequence, hash FROM identity_audit_head WHERE chain = $1 FOR UPDATE`, [record.chain])) as { sequence: string; hash: string }[];
    const sequence = BigInt(head!.sequence) + 1n;
    const at = new Date();
    const hash = auditHash(head!.hash, sequence, at, record);
    await manager.query(
      `INSERT INTO identity_audit (chain, sequence, at, actor, action, subject, details, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [record.chain, sequence.toString(), at.toISOString(), record.actor, record.action, record.subject, JSON.stringify(record.details), head!.hash, hash],
    );
    await manager.query(`UPDATE identity_audit_head SET sequence = $2, hash = $3 WHERE chain = $1`, [record.chain, sequence.toString(), hash]);
  }

  /** Walks a chain; returns the first sequence that does not match, or 0 when all do. */
  async verify(chain: string): Promise<{ entries: number; firstBadSequence: number }> {
    const rows = (await this.dataSource.query(
      `SELECT chain, sequence, at, actor, action, subject, details, previous_hash, hash FROM identity_audit WHERE chain = $1 ORDER BY sequence`,
      [chain],
    )) as StoredAudit[];
    let previous = '';
    for (const [index, row] of rows.entries()) {
      const expected = BigInt(index + 1);
      if (BigInt(row.sequence) !== expected || row.previous_hash !== previous || auditHash(previous, expected, row.at, row) !== row.hash) {
        return { entries: rows.length, firstBadSequence: index + 1 };
      }
      previous = row.hash;
    }
    return { entries: rows.length, firstBadSequence: 0 };
  }
}
