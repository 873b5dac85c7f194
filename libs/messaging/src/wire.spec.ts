import { create } from '@bufbuild/protobuf';

import { GetBalanceRequestSchema, PostEntriesRequestSchema } from '@yishi/contracts';

import { InvalidArgumentError } from './errors';
import { decodeMessage, encodeMessage } from './wire';

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
});
