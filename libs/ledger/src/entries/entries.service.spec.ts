import { randomUUID } from 'node:crypto';

import { create } from '@bufbuild/protobuf';

import { EntryStatus, NewEntrySchema, Side, type NewEntry } from '@yishi/contracts';

import type { EntriesRepository } from './entries.repository';
import { EntriesService } from './entries.service';
import type { EntryDraft, EntryOutcome } from './entry.model';
import type { PostingQueue } from './posting-queue';

/** A queue that applies every draft at the next sequence, remembering what it was given. */
class RecordingQueue {
  readonly submitted: EntryDraft[][] = [];
  async submit(drafts: readonly EntryDraft[]): Promise<EntryOutcome[]> {
    this.submitted.push([...drafts]);
    return drafts.map((draft, index) => ({ id: draft.id, applied: true, refusal: null, sequence: BigInt(index + 1), hash: 'ab', replayed: false }));
  }
}

const transfer = (): NewEntry =>
  create(NewEntrySchema, {
    id: randomUUID(),
    bookId: randomUUID(),
    recordedBy: 'treasurer',
    postings: [
      { accountId: randomUUID(), side: Side.DEBIT, amount: { amount: '500.00', currency: 'CNY' } },
      { accountId: randomUUID(), side: Side.CREDIT, amount: { amount: '500.00', currency: 'CNY' } },
    ],
  });

describe('EntriesService.post', () => {
  it('takes the wire entries over: they are drafted, then emptied out of the request', async () => {
    const queue = new RecordingQueue();
    const service = new EntriesService(queue as unknown as PostingQueue, {} as EntriesRepository);
    const entries = [transfer(), transfer()];
    const ids = entries.map((entry) => entry.id);
    const results = await service.post(entries);
    expect(entries).toEqual([]);
    expect(queue.submitted[0]!.map((draft) => [draft.id, draft.postings[0]!.amount])).toEqual(ids.map((id) => [id, 50_000n]));
    expect(results.map((result) => [result.id, result.status, result.sequence])).toEqual([
      [ids[0], EntryStatus.APPLIED, 1n],
      [ids[1], EntryStatus.APPLIED, 2n],
    ]);
  });
});
