import { create, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';

import { EventEnvelopeSchema, eventSubjectOf } from '@yishi/contracts';
import { currentCorrelationId } from '@yishi/logging';
import { uuidv7 } from '@yishi/persistence';

import { encodeMessage } from '../wire';

export const OUTBOX_CHANNEL = 'messaging_outbox';

/**
 * Records an event in the same transaction as the state change it describes. Nothing is sent
 * now: the relay publishes it after commit, and the NOTIFY (delivered only on commit) wakes it.
 */
export async function recordEvent<D extends DescMessage>(
  manager: EntityManager,
  schema: D,
  payload: MessageInitShape<D>,
): Promise<string> {
  const id = uuidv7();
  const subject = eventSubjectOf(schema);
  const envelope = create(EventEnvelopeSchema, {
    id,
    subject,
    occurredAt: timestampFromDate(new Date()),
    correlationId: currentCorrelationId() ?? '',
    payload: anyPack(schema, create(schema, payload)),
  });
  const body = Buffer.from(encodeMessage(EventEnvelopeSchema, envelope)).toString('utf8');
  await manager.query(`INSERT INTO messaging_outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [id, subject, body]);
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return id;
}
