/** Postgres's epoch for dates and moments, 2000-01-01 UTC, in Unix milliseconds. */
export const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const MS_PER_DAY = 86_400_000;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days from 2000-01-01 to a YYYY-MM-DD date, as a `date` column stores it; null if the text is not a day on the calendar. */
export function daysSince2000(date: string): number | null {
  const [, year, month, day] = CALENDAR_DATE.exec(date)?.map(Number) ?? [];
  // Year 0 is 1 BC to Postgres, which would read the date back as another text than was hashed.
  if (year === undefined || month === undefined || day === undefined || year < 1) return null;
  const moment = new Date(POSTGRES_EPOCH_MS);
  // setUTCFullYear, unlike Date.UTC, reads years 0–99 as they are.
  moment.setUTCFullYear(year, month - 1, day);
  if (moment.getUTCFullYear() !== year || moment.getUTCMonth() !== month - 1 || moment.getUTCDate() !== day) return null;
  return (moment.getTime() - POSTGRES_EPOCH_MS) / MS_PER_DAY;
}

/** A real YYYY-MM-DD date: 2026-02-28 is one, 2026-02-30 and 2026-2-28 are not. */
export function isCalendarDate(value: string): boolean {
  return daysSince2000(value) !== null;
}
