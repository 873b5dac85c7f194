import { uuidv7 } from './uuidv7';

describe('uuidv7', () => {
  it('is a version 7, variant 1 UUID', () => {
    expect(uuidv7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('carries its millisecond timestamp first, so ids sort by creation time', () => {
    const earlier = uuidv7(Date.UTC(2026, 4, 20, 9, 0, 0));
    const later = uuidv7(Date.UTC(2026, 4, 20, 9, 0, 1));
    expect(earlier < later).toBe(true);
    expect(parseInt(earlier.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 4, 20, 9, 0, 0));
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(0)));
    expect(ids.size).toBe(10_000);
  });
});
