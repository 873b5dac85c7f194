// npm run bench:ledger-path — the ledger's posting path in memory, without Postgres or NATS: a
// request of 1,000 transfers decoded from its wire JSON, validated, applied to a book of 200
// accounts, turned into the write statement's parameters and outbox events, and its reply encoded.
// Prints microseconds per entry for each stage (best of ROUNDS rounds); the last line is JSON.
// End-to-end figures come from `npm run bench:ledger`; this one shows where the ledger's own CPU goes.
import { randomUUID } from 'node:crypto';

import { create } from '@bufbuild/protobuf';
import { prepareValue } from 'pg/lib/utils';

import { EntryKind, EntryStatus, PostEntriesRequestSchema, PostEntriesResponseSchema, Side } from '@yishi/contracts';
import { decodeRequest, encodeMessage } from '@yishi/messaging';

import { BatchApplication, type BatchState } from './batch-application';
import { EntriesRepository, type PostingSession } from './entries.repository';
import type { EntryDraft } from './entry.model';
import { validateEntries } from './entry-validation';
import { eventsOf } from './posting-queue';

const ENTRIES = 1_000;
const ACCOUNTS = 200;
const ROUNDS = 6;
const REQUESTS_PER_ROUND = 30;
const STAGES = ['decode', 'validate', 'apply', 'write', 'reply'] as const;

const bookId = randomUUID();
const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
const request = encodeMessage(
  PostEntriesRequestSchema,
  create(PostEntriesRequestSchema, {
    entries: Array.from({ length: ENTRIES }, (_, index) => ({
      id: randomUUID(),
      bookId,
      kind: EntryKind.POSTED,
      recordedBy: 'bench',
      postings: [
        { accountId: accounts[index % ACCOUNTS]!, side: Side.DEBIT, amount: { amount: '0.01', currency: 'CNY' } },
        { accountId: accounts[(index + 1) % ACCOUNTS]!, side: Side.CREDIT, amount: { amount: '0.01', currency: 'CNY' } },
      ],
    })),
  }),
);

function freshState(): BatchState {
  const zero = { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
  return {
    books: new Map([[bookId, { id: bookId, sequence: 0n, hash: '', recordedAt: null, version: 1n }]]),
    accounts: new Map(
      accounts.map((id) => [id, { id, bookId, currency: 'CNY', closed: false, debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false, ...zero }]),
    ),
    pendings: new Map(),
    storedOutcomes: new Map(),
    reversalTargets: new Map(),
  };
}

/** Serialises the write statement's parameters as node-postgres does before sending, and sends nothing. */
const nowhere = {
  query: async (_text: string, values: readonly unknown[]) => {
    values.forEach((value) => prepareValue(value));
    return [];
  },
} as unknown as PostingSession;
const repository = Object.create(EntriesRepository.prototype) as EntriesRepository;

async function postOnce(spent: Record<(typeof STAGES)[number], bigint>): Promise<void> {
  let last = process.hrtime.bigint();
  const lap = (stage: (typeof STAGES)[number]): void => {
    const now = process.hrtime.bigint();
    spent[stage] += now - last;
    last = now;
  };
  const { entries } = decodeRequest(PostEntriesRequestSchema, request);
  lap('decode');
  const drafts = validateEntries(entries) as EntryDraft[];
  lap('validate');
  const state = freshState();
  const application = new BatchApplication(state, new Date());
  const outcomes = application.applyAll(drafts);
  lap('apply');
  await repository.write(nowhere, application.writes, state, eventsOf(application.writes, state.books), { ticket: 1, follows: null });
  lap('write');
  const results = outcomes.map((outcome) => ({ id: outcome.id, status: EntryStatus.APPLIED, sequence: outcome.sequence ?? 0n, hash: outcome.hash ?? '' }));
  encodeMessage(PostEntriesResponseSchema, { results });
  lap('reply');
}

async function main(): Promise<void> {
  const best = Object.fromEntries(STAGES.map((stage) => [stage, Infinity])) as Record<(typeof STAGES)[number], number>;
  for (let round = 0; round <= ROUNDS; round += 1) {
    const spent = Object.fromEntries(STAGES.map((stage) => [stage, 0n])) as Record<(typeof STAGES)[number], bigint>;
    for (let index = 0; index < REQUESTS_PER_ROUND; index += 1) await postOnce(spent);
    if (round === 0) continue; // warm-up
    for (const stage of STAGES) best[stage] = Math.min(best[stage], Number(spent[stage]) / 1_000 / REQUESTS_PER_ROUND / ENTRIES);
  }
  const total = STAGES.reduce((sum, stage) => sum + best[stage], 0);
  for (const stage of STAGES) process.stderr.write(`${stage.padEnd(9)} ${best[stage].toFixed(2)} µs per entry\n`);
  const figures = Object.fromEntries(STAGES.map((stage) => [`${stage}_us`, Math.round(best[stage] * 100) / 100]));
  process.stdout.write(`${JSON.stringify({ entries: ENTRIES, ...figures, total_us: Math.round(total * 100) / 100 })}\n`);
}

void main();
