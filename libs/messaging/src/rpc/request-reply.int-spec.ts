import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { Module, type INestMicroservice } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';

import { EchoRpc, type EchoRequest, type EchoRequestJson, type EchoResponse } from '@yishi/contracts';
import { bilingual, createLogger } from '@yishi/logging';
import { testSubjectPrefix } from '@yishi/testing';

import { ConflictError, DeadlineExceededError, UnavailableError } from '../errors';
import { BusServer, PassErrorsToBusFilter } from './bus-server';
import { InProcessRequestTransport } from './in-process-transport';
import { NatsRequestTransport } from './nats-transport';
import { RpcClient } from './rpc-client';
import type { RequestTransport } from './transport';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

@Controller()
class EchoController {
  @MessagePattern(EchoRpc.echo.subject)
  async echo(request: EchoRequest): Promise<Partial<EchoResponse>> {
    if (request.hang) await new Promise(() => undefined);
    if (request.failWith) {
      throw new ConflictError(bilingual('The echo was refused', '回声被拒绝'), { reason: request.failWith });
    }
    return { text: request.text.toUpperCase() };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

interface Harness {
  transport: RequestTransport;
  close(): Promise<void>;
}

async function inProcess(): Promise<Harness> {
  const transport = new InProcessRequestTransport();
  return { transport, close: () => transport.close() };
}

async function overNats(): Promise<Harness> {
  const connection = await connect({ servers: NATS_URL });
  const transport = new NatsRequestTransport(connection, testSubjectPrefix());
  return { transport, close: () => transport.close() };
}

describe.each([
  ['in-process', inProcess],
  ['NATS', overNats],
])('request/reply over the %s transport', (_name, makeHarness) => {
  let harness: Harness;
  let app: INestMicroservice;
  let client: RpcClient;

  beforeAll(async () => {
    harness = await makeHarness();
    app = await NestFactory.createMicroservice(EchoModule, {
      strategy: new BusServer({
        transport: harness.transport,
        queueGroup: 'testing',
        methods: Object.values(EchoRpc),
        logger: createLogger('echo', 'silent'),
      }),
      logger: false,
    });
    app.useGlobalFilters(new PassErrorsToBusFilter());
    await app.listen();
    client = new RpcClient(harness.transport, 2_000);
  });

  afterAll(async () => {
    await app.close();
    await harness.close();
  });

  it('returns the handler’s reply, decoded as the proto response', async () => {
    const reply = await client.call(EchoRpc.echo, { text: 'stair rails' });
    expect(reply.text).toBe('STAIR RAILS');
    expect(reply.$typeName).toBe('yishi.testing.v1.EchoResponse');
  });

  it('takes and gives the wire’s JSON as it is, and refuses JSON the contract does not know', async () => {
    await expect(client.callJson(EchoRpc.echo, { text: 'stair rails' })).resolves.toEqual({ text: 'STAIR RAILS' });
    const unknownField = { text: 'x', colour: 'red' } as unknown as EchoRequestJson;
    await expect(client.callJson(EchoRpc.echo, unknownField)).rejects.toMatchObject({ reason: 'MALFORMED_MESSAGE' });
    await expect(client.callJson(EchoRpc.echo, { text: 'x', failWith: 'ECHO_REFUSED' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('turns a domain error thrown by the handler into the same typed error for the caller', async () => {
    const failure = client.call(EchoRpc.echo, { text: 'x', failWith: 'ECHO_REFUSED' });
    await expect(failure).rejects.toBeInstanceOf(ConflictError);
    await expect(failure).rejects.toMatchObject({ reason: 'ECHO_REFUSED', message: 'The echo was refused', messageZh: '回声被拒绝' });
  });

  it('fails fast with Unavailable when nobody serves the subject', async () => {
    const started = Date.now();
    await expect(client.call(EchoRpc.unserved, { text: 'anyone?' }, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails with DeadlineExceeded at the deadline when the handler hangs', async () => {
    const failure = client.call(EchoRpc.echo, { text: 'x', hang: true }, { timeoutMs: 300 });
    await expect(failure).rejects.toBeInstanceOf(DeadlineExceededError);
  });

  it('times out on the caller’s side when a server takes the request and does not reply in time', async () => {
    const late = { data: new Uint8Array(), headers: {} };
    const silent = harness.transport.serve(EchoRpc.unserved.subject, 'silent', () => new Promise((resolve) => setTimeout(() => resolve(late), 1_000)));
    try {
      await expect(client.call(EchoRpc.unserved, { text: 'hello?' }, { timeoutMs: 300 })).rejects.toBeInstanceOf(DeadlineExceededError);
    } finally {
      await silent.drain();
    }
  });

  it('sends large messages compressed and reads them back whole', async () => {
    const text = 'stair rails for building 45; '.repeat(20_000);
    await expect(client.call(EchoRpc.echo, { text })).resolves.toMatchObject({ text: text.toUpperCase() });
  });

  it('gives each of many concurrent callers its own reply', async () => {
    const texts = Array.from({ length: 200 }, (_, index) => `household ${index}`);
    const replies = await Promise.all(texts.map((text) => client.call(EchoRpc.echo, { text })));
    expect(replies.map((reply) => reply.text)).toEqual(texts.map((text) => text.toUpperCase()));
  });

  it('keeps answering after a handler hung', async () => {
    await expect(client.call(EchoRpc.echo, { text: 'still here' })).resolves.toMatchObject({ text: 'STILL HERE' });
  });
});

describe('request/reply over NATS when the connection closes', () => {
  it('fails a request waiting for its reply, and any later one, with Unavailable', async () => {
    const prefix = testSubjectPrefix();
    const serving = await connect({ servers: NATS_URL });
    const calling = await connect({ servers: NATS_URL });
    serving.subscribe(prefix + EchoRpc.echo.subject, { callback: () => undefined }); // takes the request, never answers
    const client = new RpcClient(new NatsRequestTransport(calling, prefix), 10_000);
    await serving.flush();
    try {
      const waiting = client.call(EchoRpc.echo, { text: 'anyone?' });
      await calling.flush();
      await calling.close();
      await expect(waiting).rejects.toBeInstanceOf(UnavailableError);
      await expect(client.call(EchoRpc.echo, { text: 'again?' })).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await serving.close();
    }
  });
});
