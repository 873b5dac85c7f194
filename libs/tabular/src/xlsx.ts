import ExcelJS from 'exceljs';

/**
 * Reads the first sheet of an XLSX workbook into rows of trimmed text cells, as parseCsv reads CSV:
 * blank rows skipped, numbers as written ("86.5", "13800001234"), rich text and hyperlinks as their
 * text, formulas as their last computed result. Rejects when the bytes are not a workbook.
 */
export async function parseXlsx(data: Uint8Array): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as ExcelJS.Buffer);
  const sheet = workbook.worksheets[0];
  const rows: string[][] = [];
  sheet?.eachRow((row) => {
    const cells = Array.from({ length: row.cellCount }, (_, index) => cellText(row.getCell(index + 1).value));
    if (cells.some((cell) => cell !== '')) rows.push(cells);
  });
  return rows;
}

function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object') return String(value).trim();
  if ('richText' in value) return value.richText.map((run) => run.text).join('').trim();
  if ('text' in value) return String(value.text).trim();
  if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}
