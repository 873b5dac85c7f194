import type { WireMessage } from '../wire';

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
