import { parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads quoted cells, doubled quotes, CRLF, blank lines and a byte-order mark', () => {
    expect(parseCsv('\uFEFFa,b,c\r\n1,"Zhang, 45",""\r\n\r\n2,"say ""hi""",x\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'Zhang, 45', ''],
      ['2', 'say "hi"', 'x'],
    ]);
  });
});
