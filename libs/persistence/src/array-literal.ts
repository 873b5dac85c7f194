/** A column of scalars as one Postgres array parameter: text, numbers, or null (SQL NULL). */
export type ArrayColumn = readonly (string | number | null)[];

const ESCAPED = /["\\]/g;

/**
 * The column as a Postgres array literal, for a `$n::type[]` parameter. node-postgres builds the
 * same literal but runs two regular-expression replacements over every element; ids, amounts and
 * hashes never need them, and a batch of a thousand entries has tens of thousands of elements.
 */
export function arrayLiteral(column: ArrayColumn): string {
  let literal = '{';
  for (let index = 0; index < column.length; index += 1) {
    if (index > 0) literal += ',';
    const value = column[index];
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'number') literal += String(value);
    else literal += value.includes('"') || value.includes('\\') ? `"${value.replace(ESCAPED, '\\$&')}"` : `"${value}"`;
  }
  return `${literal}}`;
}
