import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Generated here rather than in
 * SQL because PostgreSQL 15 has no uuidv7(). The random bits are those of a `randomUUID()` (its
 * variant kept, its version replaced), which draws entropy for many ids at once: asking the
 * system for 16 random bytes per id cost more than the rest of recording an event.
 */
export function uuidv7(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/**
 * A UUID (version 8, RFC 9562) derived from `seed`: the same seed always gives the same id, so an
 * operation that writes several rows sends the same ids when it is retried.
 */
export function uuidFromSeed(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether `id` is of version 8, as `uuidFromSeed` makes them (for a well-formed lowercase UUID). */
export function isSeededUuid(id: string): boolean {
  return id.charCodeAt(14) === 56; // '8'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids are lowercase UUIDs; anything else names nothing (and must not reach a uuid column). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
