import { CounterIncrementedSchema, EchoRequestSchema, EchoRpc, IdentityRpc, LedgerRpc, ProposalsRpc, VotingRpc, eventSubjectOf } from './index';

describe('subjects come from the proto options', () => {
  it('names every service’s health check <service>.health.check', () => {
    expect([IdentityRpc, ProposalsRpc, VotingRpc, LedgerRpc].map((rpc) => rpc.checkHealth.subject)).toEqual([
      'identity.health.check',
      'proposals.health.check',
      'voting.health.check',
      'ledger.health.check',
    ]);
  });

  it('binds each method to its request and response types', () => {
    expect(EchoRpc.echo).toMatchObject({ subject: 'testing.echo.say', name: 'yishi.testing.v1.EchoService.Echo' });
    expect(EchoRpc.echo.input.typeName).toBe('yishi.testing.v1.EchoRequest');
    expect(EchoRpc.echo.output.typeName).toBe('yishi.testing.v1.EchoResponse');
  });

  it('reads an event’s subject, and refuses a message that is not an event', () => {
    expect(eventSubjectOf(CounterIncrementedSchema)).toBe('evt.testing.counter_incremented');
    expect(() => eventSubjectOf(EchoRequestSchema)).toThrow(/has no \(yishi.options.v1.event_subject\)/);
  });
});
