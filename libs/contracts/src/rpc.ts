import type { DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';
import { getOption, hasOption } from '@bufbuild/protobuf';

import { event_subject, subject } from './gen/yishi/options/v1/options_pb';

/** A request/reply method bound to its NATS subject (declared in proto/, never in handlers). */
export interface RpcMethod<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  readonly subject: string;
  /** e.g. "yishi.ledger.v1.LedgerService.CheckHealth", for logs. */
  readonly name: string;
  readonly input: I;
  readonly output: O;
}

type UnaryMethods<S extends DescService> = S extends { method: infer M } ? M : never;

export type RpcMethods<S extends DescService> = {
  [K in keyof UnaryMethods<S>]: UnaryMethods<S>[K] extends { input: infer I; output: infer O }
    ? I extends DescMessage
      ? O extends DescMessage
        ? RpcMethod<I, O>
        : never
      : never
    : never;
};

function toRpcMethod(method: DescMethod): RpcMethod {
  if (!hasOption(method, subject)) {
    throw new Error(`${method.parent.typeName}.${method.name} has no (yishi.options.v1.subject) option`);
  }
  return {
    subject: getOption(method, subject),
    name: `${method.parent.typeName}.${method.name}`,
    input: method.input,
    output: method.output,
  };
}

/** The subjects of one proto service, keyed by method: `rpcMethods(LedgerService).checkHealth.subject`. */
export function rpcMethods<S extends DescService>(service: S): RpcMethods<S> {
  const entries = service.methods.map((method) => [method.localName, toRpcMethod(method)] as const);
  return Object.fromEntries(entries) as RpcMethods<S>;
}

const eventSubjects = new WeakMap<DescMessage, string>();

/** The JetStream subject an event message is published on, from its proto option (read once per schema). */
export function eventSubjectOf(schema: DescMessage): string {
  let known = eventSubjects.get(schema);
  if (known === undefined) {
    known = readEventSubject(schema);
    eventSubjects.set(schema, known);
  }
  return known;
}

function readEventSubject(schema: DescMessage): string {
  if (!hasOption(schema, event_subject)) {
    throw new Error(`${schema.typeName} has no (yishi.options.v1.event_subject) option`);
  }
  const subjectOfEvent = getOption(schema, event_subject);
  // Only evt.> is captured by the event stream; anything else would never be delivered.
  if (!subjectOfEvent.startsWith('evt.')) throw new Error(`${schema.typeName}: event subjects start with "evt.", not ${subjectOfEvent}`);
  return subjectOfEvent;
}
