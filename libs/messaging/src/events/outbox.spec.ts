import { create } from '@bufbuild/protobuf';
import { anyPack, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { EntriesPostedSchema, EventEnvelopeSchema, EntryKind } from '@yishi/contracts';

import { decodeMessage, encodeMessage } from '../wire';
import { unpackPayload } from './event-bus';
import { envelopeJson } from './outbox';

describe('event envelopes in the outbox', () => {
  const header = { id: '0196a4f0-0000-7000-8000-000000000001', subject: 'evt.ledger.entries_posted', occurredAt: timestampFromDate(new Date('2026-05-20T08:00:00Z')), correlationId: 'req-1' };
  const payload = {
    bookId: '0196a4f0-0000-7000-8000-0000000000b0',
    entries: [{ entryId: '0196a4f0-0000-7000-8000-0000000000e1', sequence: 42n, kind: EntryKind.POSTED, hash: 'ab'.repeat(32), decisionRef: 'ballot-21-1', pendingId: '' }],
  };

  it('are byte for byte the canonical JSON of an envelope packing the payload as an Any', () => {
    const canonical = encodeMessage(
      EventEnvelopeSchema,
      create(EventEnvelopeSchema, { ...header, payload: anyPack(EntriesPostedSchema, create(EntriesPostedSchema, payload)) }),
    );
    expect(envelopeJson(header, EntriesPostedSchema, payload)).toBe(new TextDecoder().decode(canonical));
  });

  it('decode back to the same payload', () => {
    const envelope = decodeMessage(EventEnvelopeSchema, new TextEncoder().encode(envelopeJson(header, EntriesPostedSchema, payload)));
    const posted = unpackPayload(envelope, EntriesPostedSchema);
    expect(posted.bookId).toBe(payload.bookId);
    expect(posted.entries.map(({ entryId, sequence, hash, decisionRef }) => ({ entryId, sequence, hash, decisionRef }))).toEqual([
      { entryId: payload.entries[0]!.entryId, sequence: 42n, hash: payload.entries[0]!.hash, decisionRef: 'ballot-21-1' },
    ]);
    expect(envelope.correlationId).toBe('req-1');
  });
});
