import { create } from '@bufbuild/protobuf';

import { GetBalanceRequestSchema, PostEntriesRequestSchema } from '@yishi/contracts';

import { InvalidArgumentError } from './errors';
import { decodeMessage, decodeRequest, encodeMessage } from './wire';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('message bodies on the bus', () => {
  it('decode back to what was encoded', () => {
    const request = create(PostEntriesRequestSchema, {
      entries: [{ id: '0196a4f0-0000-7000-8000-0000000000e1', bookId: '0196a4f0-0000-7000-8000-0000000000b0', memo: '楼梯扶手', metadata: { project: 'stair-rails' } }],
    });
    const decoded = decodeMessage(PostEntriesRequestSchema, encodeMessage(PostEntriesRequestSchema, request));
    expect(decoded.entries[0]).toMatchObject({ id: request.entries[0]!.id, memo: '楼梯扶手', metadata: { project: 'stair-rails' } });
  });

  it.each([
    ['an unknown field', '{"accountId":"a","balance":"1.00"}'],
    ['a field of the wrong type', '{"accountId":7}'],
    ['text that is not JSON', '{"accountId":'],
    ['JSON that is not an object', '[1, 2]'],
  ])('refuse %s as a malformed message', (_, text) => {
    const decode = () => decodeMessage(GetBalanceRequestSchema, bytes(text));
    expect(decode).toThrow(InvalidArgumentError);
    expect(decode).toThrow(/Malformed yishi\.ledger\.v1\.GetBalanceRequest/);
  });

  describe('a request holding NUL (U+0000), which Postgres text cannot store', () => {
    const entry = { id: '0196a4f0-0000-7000-8000-0000000000e1', bookId: '0196a4f0-0000-7000-8000-0000000000b0' };
    const refusal = (message: Parameters<typeof encodeMessage<typeof PostEntriesRequestSchema>>[1]) => {
      try {
        decodeRequest(PostEntriesRequestSchema, encodeMessage(PostEntriesRequestSchema, message));
        return undefined;
      } catch (error) {
        return (error as InstanceType<typeof InvalidArgumentError>).violations;
      }
    };

    it.each([
      ['a text of a message in a list', { entries: [entry, { ...entry, memo: 'rails\u0000' }] }, 'entries[1].memo'],
      ['a text in a message inside it', { entries: [{ ...entry, postings: [{ amount: { amount: '1.00', currency: 'CN\u0000' } }] }] }, 'entries[0].postings[0].amount.currency'],
      ['a value of a map', { entries: [{ ...entry, metadata: { household: '3-\u0000-201' } }] }, 'entries[0].metadata.household'],
      ['a key of a map', { entries: [{ ...entry, metadata: { 'house\u0000hold': '3-201' } }] }, 'entries[0].metadata'],
    ])('is refused naming the field, for %s', (_, message, field) => {
      expect(refusal(message)).toEqual([{ field, reason: 'must not contain the NUL character (U+0000)' }]);
    });

    it('is told from text that only spells it out', () => {
      expect(refusal({ entries: [{ ...entry, memo: 'the escape \\u0000 written out' }] })).toBeUndefined();
    });
  });
});
