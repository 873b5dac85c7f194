import type { WireMessage } from '../wire';

/** How long stopping waits for requests in flight before it lets them go. */
export const DRAIN_GRACE_MS = 10_000;

/** Waits for `work` to settle, but no longer than the drain grace period. */
export async function settleWithinGrace(work: readonly Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_GRACE_MS);
  });
  await Promise.race([Promise.allSettled(work), grace]);
  clearTimeout(timer);
}

export type RequestHandler = (request: WireMessage) => Promise<WireMessage>;

/** A subscription a server holds; `drain` stops taking requests and waits for those in flight. */
export interface Served {
  drain(): Promise<void>;
}

/**
 * Request/reply over NATS or in process. Both carry the same bytes and headers and fail the same
 * way: UnavailableError when nobody serves the subject, DeadlineExceededError when no reply
 * arrives in time.
 */
export interface RequestTransport {
  request(subject: string, request: WireMessage, timeoutMs: number): Promise<WireMessage>;
  /** One member of `queueGroup` answers each request. */
  serve(subject: string, queueGroup: string, handler: RequestHandler): Served;
  /** Stops the transport after in-flight requests finish. */
  close(): Promise<void>;
}
