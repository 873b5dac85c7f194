import type { WireMessage } from '../wire';
import { deadlinePassed, nobodyServes } from './failures';
import { settleWithinGrace, type RequestHandler, type RequestTransport, type Served } from './transport';

interface QueueGroup {
  readonly members: RequestHandler[];
  next: number;
}

/**
 * Standalone request/reply. Requests still travel as encoded bytes with headers, so a handler
 * behaves exactly as it does behind NATS; queue groups pick members round-robin.
 */
export class InProcessRequestTransport implements RequestTransport {
  private readonly groupsBySubject = new Map<string, Map<string, QueueGroup>>();
  private readonly inFlight = new Set<Promise<unknown>>();

  async request(subject: string, request: WireMessage, timeoutMs: number): Promise<WireMessage> {
    const handler = this.pickMember(subject);
    if (!handler) throw nobodyServes(subject);
    const copy: WireMessage = { data: Uint8Array.from(request.data), headers: { ...request.headers } };
    const reply = handler(copy);
    this.track(reply);
    return withDeadline(reply, timeoutMs, () => deadlinePassed(subject, timeoutMs));
  }

  serve(subject: string, queueGroup: string, handler: RequestHandler): Served {
    const groups = this.groupsBySubject.get(subject) ?? new Map<string, QueueGroup>();
    this.groupsBySubject.set(subject, groups);
    const group = groups.get(queueGroup) ?? { members: [], next: 0 };
    groups.set(queueGroup, group);
    group.members.push(handler);
    return {
      drain: async () => {
        const index = group.members.indexOf(handler);
        if (index >= 0) group.members.splice(index, 1);
        if (group.members.length === 0) groups.delete(queueGroup);
        await settleWithinGrace([...this.inFlight]);
      },
    };
  }

  async close(): Promise<void> {
    this.groupsBySubject.clear();
    await settleWithinGrace([...this.inFlight]);
  }

  /** Like NATS, each request goes to one member of one queue group. */
  private pickMember(subject: string): RequestHandler | undefined {
    const group = this.groupsBySubject.get(subject)?.values().next().value;
    if (!group || group.members.length === 0) return undefined;
    const member = group.members[group.next % group.members.length];
    group.next += 1;
    return member;
  }

  private track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
