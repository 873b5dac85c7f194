const SHANGHAI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

let last = { at: Number.NaN, date: '' };

/**
 * The calendar date (YYYY-MM-DD) in China at `at`. The last answer is kept: every entry of a batch
 * is recorded at the same moment, and formatting a date cost more than hashing the entry.
 */
export function shanghaiDate(at: Date): string {
  const time = at.getTime();
  if (time !== last.at) last = { at: time, date: SHANGHAI_DATE.format(at) };
  return last.date;
}
