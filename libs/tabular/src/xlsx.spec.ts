import ExcelJS from 'exceljs';

import { parseXlsx } from './xlsx';

describe('parseXlsx', () => {
  it('reads the first sheet as text cells: numbers as written, rich text, formulas by their result, blank rows skipped', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('roster');
    sheet.addRow(['building', 'door', 'floor_area', 'name', 'phone']);
    sheet.addRow(['b45', 301, 86.5, { richText: [{ text: '张' }, { text: '三 ' }] }, 13800001234]);
    sheet.addRow([]);
    sheet.addRow(['b46', { formula: '100+1', result: 101 }, '', ' 赵六', null]);
    workbook.addWorksheet('notes').addRow(['not read']);
    const data = new Uint8Array(await workbook.xlsx.writeBuffer());

    expect(await parseXlsx(data)).toEqual([
      ['building', 'door', 'floor_area', 'name', 'phone'],
      ['b45', '301', '86.5', '张三', '13800001234'],
      ['b46', '101', '', '赵六'],
    ]);
  });

  it('rejects bytes that are not a workbook', async () => {
    await expect(parseXlsx(new TextEncoder().encode('building,door\nb45,301\n'))).rejects.toThrow();
  });
});
