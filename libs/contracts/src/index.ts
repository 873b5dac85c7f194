import { createRegistry } from '@bufbuild/protobuf';

import { IdentityService, file_yishi_identity_v1_identity } from './gen/yishi/identity/v1/identity_pb';
import { FundsService, file_yishi_ledger_v1_funds } from './gen/yishi/ledger/v1/funds_pb';
import { LedgerService, file_yishi_ledger_v1_ledger } from './gen/yishi/ledger/v1/ledger_pb';
import { ProposalsService, file_yishi_proposals_v1_proposals } from './gen/yishi/proposals/v1/proposals_pb';
import { EchoService, file_yishi_testing_v1_testing } from './gen/yishi/testing/v1/testing_pb';
import { VotingService, file_yishi_voting_v1_voting } from './gen/yishi/voting/v1/voting_pb';
import { rpcMethods } from './rpc';

export * from './gen/yishi/common/v1/envelope_pb';
export * from './gen/yishi/common/v1/health_pb';
export * from './gen/yishi/identity/v1/identity_pb';
export * from './gen/yishi/ledger/v1/funds_pb';
export * from './gen/yishi/ledger/v1/ledger_pb';
export * from './gen/yishi/proposals/v1/proposals_pb';
export * from './gen/yishi/testing/v1/testing_pb';
export * from './gen/yishi/voting/v1/voting_pb';
export * from './rpc';

export const IdentityRpc = rpcMethods(IdentityService);
export const ProposalsRpc = rpcMethods(ProposalsService);
export const VotingRpc = rpcMethods(VotingService);
export const LedgerRpc = rpcMethods(LedgerService);
export const FundsRpc = rpcMethods(FundsService);
export const EchoRpc = rpcMethods(EchoService);

/** Every message type, so that events packed in `google.protobuf.Any` can be read back. */
export const contractsRegistry = createRegistry(
  file_yishi_identity_v1_identity,
  file_yishi_proposals_v1_proposals,
  file_yishi_voting_v1_voting,
  file_yishi_ledger_v1_ledger,
  file_yishi_ledger_v1_funds,
  file_yishi_testing_v1_testing,
);
