import { daysSince2000, isCalendarDate } from './calendar-date';

describe('calendar dates', () => {
  it('count days from 2000-01-01, before and after it, years before 100 included', () => {
    expect(daysSince2000('2000-01-01')).toBe(0);
    expect(daysSince2000('1999-12-31')).toBe(-1);
    expect(daysSince2000('2000-03-01')).toBe(60);
    expect(daysSince2000('2026-11-24')).toBe(9824);
    expect(daysSince2000('0001-01-01')).toBe(-730_119);
  });

  it('are only days the calendar has, written YYYY-MM-DD', () => {
    for (const day of ['2024-02-29', '2026-02-28', '2026-12-31', '0099-03-01']) expect(isCalendarDate(day)).toBe(true);
    for (const notDay of ['2026-02-29', '2026-02-30', '2100-02-29', '2026-13-01', '2026-00-10', '2026-1-1', '26-01-01', '2026-01-01T00:00', ' 2026-01-01', '', '0000-01-01']) {
      expect(isCalendarDate(notDay)).toBe(false);
    }
  });
});
