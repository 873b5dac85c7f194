import { create, toJson, type DescMessage, type JsonObject, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';

import { EventEnvelopeSchema, contractsRegistry, eventSubjectOf } from '@yishi/contracts';
import { currentCorrelationId } from '@yishi/logging';
import { uuidv7 } from '@yishi/persistence';

import { messageJson } from '../wire';

export const OUTBOX_CHANNEL = 'messaging_outbox';

/** Outbox rows as column arrays, ready for `unnest` (see OUTBOX_INSERT). */
export interface OutboxRows {
  readonly ids: string[];
  readonly subjects: string[];
  readonly envelopes: string[];
}

/**
 * Inserts OutboxRows passed as three array parameters, and wakes the relay (NOTIFY is delivered
 * only on commit). `$N` placeholders: ids, subjects, envelopes. Services whose hot path writes in
 * one statement embed it as a data-modifying CTE.
 */
export function outboxInsert(ids: string, subjects: string, envelopes: string): string {
  return `INSERT INTO messaging_outbox (id, subject, envelope)
          SELECT * FROM unnest(${ids}::uuid[], ${subjects}::text[], ${envelopes}::text[])`;
}

/** Builds the envelopes of events of one type; append several with `concatOutboxRows`. */
export function outboxRows<D extends DescMessage>(schema: D, payloads: readonly MessageInitShape<D>[]): OutboxRows {
  const subject = eventSubjectOf(schema);
  const occurredAt = timestampFromDate(new Date());
  const correlationId = currentCorrelationId() ?? '';
  const ids = payloads.map(() => uuidv7());
  const envelopes = payloads.map((payload, index) =>
    envelopeJson({ id: ids[index]!, subject, occurredAt, correlationId }, schema, payload),
  );
  return { ids, subjects: ids.map(() => subject), envelopes };
}

const JSON_OPTIONS = { registry: contractsRegistry };

/**
 * The envelope's canonical JSON exactly as protobuf-es writes one whose payload is an Any (fields,
 * then "@type"), built directly: packing the payload to binary only to unpack it for JSON cost the
 * ledger a tenth of its time.
 */
export function envelopeJson<D extends DescMessage>(
  header: MessageInitShape<typeof EventEnvelopeSchema>,
  schema: D,
  payload: MessageInitShape<D>,
): string {
  const envelope = toJson(EventEnvelopeSchema, create(EventEnvelopeSchema, header), JSON_OPTIONS) as JsonObject;
  const packed = messageJson(schema, payload);
  packed['@type'] = `type.googleapis.com/${schema.typeName}`;
  return JSON.stringify({ ...envelope, payload: packed });
}

export function concatOutboxRows(...parts: readonly OutboxRows[]): OutboxRows {
  return {
    ids: parts.flatMap((part) => part.ids),
    subjects: parts.flatMap((part) => part.subjects),
    envelopes: parts.flatMap((part) => part.envelopes),
  };
}

export const NOTIFY_OUTBOX = `SELECT pg_notify('${OUTBOX_CHANNEL}', '')`;

/**
 * Records events in the same transaction as the state change they describe (one multi-row
 * insert). Nothing is sent now: the relay publishes them after commit, and the NOTIFY wakes it.
 * Returns the event ids.
 */
export async function recordEvents<D extends DescMessage>(
  manager: EntityManager,
  schema: D,
  payloads: readonly MessageInitShape<D>[],
): Promise<string[]> {
  if (payloads.length === 0) return [];
  const rows = outboxRows(schema, payloads);
  await manager.query(`WITH inserted AS (${outboxInsert('$1', '$2', '$3')}) ${NOTIFY_OUTBOX}`, [rows.ids, rows.subjects, rows.envelopes]);
  return rows.ids;
}

/** One event; see recordEvents. */
export async function recordEvent<D extends DescMessage>(manager: EntityManager, schema: D, payload: MessageInitShape<D>): Promise<string> {
  const [id] = await recordEvents(manager, schema, [payload]);
  return id!;
}
