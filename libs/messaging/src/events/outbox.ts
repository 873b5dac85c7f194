import { create, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';

import { EventEnvelopeSchema, eventSubjectOf } from '@yishi/contracts';
import { currentCorrelationId } from '@yishi/logging';
import { uuidv7 } from '@yishi/persistence';

import { encodeMessage } from '../wire';

export const OUTBOX_CHANNEL = 'messaging_outbox';

const decoder = new TextDecoder();

/**
 * Records events in the same transaction as the state change they describe (one multi-row
 * insert). Nothing is sent now: the relay publishes them after commit, and the NOTIFY (delivered
 * only on commit) wakes it. Returns the event ids.
 */
export async function recordEvents<D extends DescMessage>(
  manager: EntityManager,
  schema: D,
  payloads: readonly MessageInitShape<D>[],
): Promise<string[]> {
  if (payloads.length === 0) return [];
  const subject = eventSubjectOf(schema);
  const occurredAt = timestampFromDate(new Date());
  const correlationId = currentCorrelationId() ?? '';
  const ids = payloads.map(() => uuidv7());
  const envelopes = payloads.map((payload, index) =>
    decoder.decode(
      encodeMessage(
        EventEnvelopeSchema,
        create(EventEnvelopeSchema, { id: ids[index]!, subject, occurredAt, correlationId, payload: anyPack(schema, create(schema, payload)) }),
      ),
    ),
  );
  await manager.query(
    `INSERT INTO messaging_outbox (id, subject, envelope) SELECT id, $2, envelope FROM unnest($1::uuid[], $3::text[]) AS e(id, envelope)`,
    [ids, subject, envelopes],
  );
  await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return ids;
}

/** One event; see recordEvents. */
export async function recordEvent<D extends DescMessage>(manager: EntityManager, schema: D, payload: MessageInitShape<D>): Promise<string> {
  const [id] = await recordEvents(manager, schema, [payload]);
  return id!;
}
