import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';

import {
  FundsRpc,
  type AllocateBudgetRequest,
  type CloseProjectRequest,
  type CoSponsorContributionRequest,
  type CommitGrantRequest,
  type CreateLevyRequest,
  type DepositCashRequest,
  type ExportStatementRequest,
  type GetLevyArrearsRequest,
  type ImportBankStatementRequest,
  type LookupReceiptRequest,
  type RecordInKindRequest,
  type ResolveBankLineRequest,
  type PayLevyRequest,
  type ContributeRequest,
  type DisburseRequest,
  type GetHappinessFundBudgetRequest,
  type GetHouseholdStatementRequest,
  type GetSourcesAndUsesRequest,
  type OpenProjectRequest,
  type PayRequest,
  type PledgeRequest,
  type RecordEstateFundIncomeRequest,
  type SetProjectStatusRequest,
} from '@yishi/contracts';

import { FundStatementsService } from './fund-statements.service';
import { FundsService } from './funds.service';
import { LeviesService } from './levies.service';
import { ReconciliationService } from './reconciliation.service';
import { StatementExportService } from './statement-export.service';

@Controller()
export class FundsController {
  constructor(
    @Inject(FundsService) private readonly funds: FundsService,
    @Inject(FundStatementsService) private readonly statements: FundStatementsService,
    @Inject(LeviesService) private readonly levies: LeviesService,
    @Inject(ReconciliationService) private readonly reconciliation: ReconciliationService,
    @Inject(StatementExportService) private readonly exports: StatementExportService,
  ) {}

  @MessagePattern(FundsRpc.openProject.subject)
  openProject(request: OpenProjectRequest) {
    return this.funds.openProject(request);
  }

  @MessagePattern(FundsRpc.setProjectStatus.subject)
  setProjectStatus(request: SetProjectStatusRequest) {
    return this.funds.setStatus(request);
  }

  @MessagePattern(FundsRpc.allocateBudget.subject)
  allocateBudget(request: AllocateBudgetRequest) {
    return this.funds.allocateBudget(request);
  }

  @MessagePattern(FundsRpc.recordEstateFundIncome.subject)
  recordEstateFundIncome(request: RecordEstateFundIncomeRequest) {
    return this.funds.recordEstateFundIncome(request);
  }

  @MessagePattern(FundsRpc.contribute.subject)
  contribute(request: ContributeRequest) {
    return this.funds.contribute(request);
  }

  @MessagePattern(FundsRpc.commitGrant.subject)
  commitGrant(request: CommitGrantRequest) {
    return this.funds.commitGrant(request);
  }

  @MessagePattern(FundsRpc.disburse.subject)
  disburse(request: DisburseRequest) {
    return this.funds.disburse(request);
  }

  @MessagePattern(FundsRpc.pay.subject)
  pay(request: PayRequest) {
    return this.funds.pay(request);
  }

  @MessagePattern(FundsRpc.contributeAsCoSponsor.subject)
  contributeAsCoSponsor(request: CoSponsorContributionRequest) {
    return this.funds.contributeAsCoSponsor(request);
  }

  @MessagePattern(FundsRpc.pledge.subject)
  pledge(request: PledgeRequest) {
    return this.funds.pledge(request);
  }

  @MessagePattern(FundsRpc.closeProject.subject)
  closeProject(request: CloseProjectRequest) {
    return this.funds.closeProject(request);
  }

  @MessagePattern(FundsRpc.createLevy.subject)
  createLevy(request: CreateLevyRequest) {
    return this.levies.create(request);
  }

  @MessagePattern(FundsRpc.payLevy.subject)
  payLevy(request: PayLevyRequest) {
    return this.levies.pay(request);
  }

  @MessagePattern(FundsRpc.getLevyArrears.subject)
  levyArrears(request: GetLevyArrearsRequest) {
    return this.levies.arrears(request);
  }

  @MessagePattern(FundsRpc.importBankStatement.subject)
  importBankStatement(request: ImportBankStatementRequest) {
    return this.reconciliation.import(request);
  }

  @MessagePattern(FundsRpc.resolveBankLine.subject)
  resolveBankLine(request: ResolveBankLineRequest) {
    return this.reconciliation.resolve(request);
  }

  @MessagePattern(FundsRpc.exportStatement.subject)
  exportStatement(request: ExportStatementRequest) {
    return this.exports.export(request);
  }

  @MessagePattern(FundsRpc.depositCash.subject)
  depositCash(request: DepositCashRequest) {
    return this.funds.depositCash(request);
  }

  @MessagePattern(FundsRpc.recordInKind.subject)
  recordInKind(request: RecordInKindRequest) {
    return this.funds.recordInKind(request);
  }

  @MessagePattern(FundsRpc.lookupReceipt.subject)
  lookupReceipt(request: LookupReceiptRequest) {
    return this.statements.receipt(request);
  }

  @MessagePattern(FundsRpc.getSourcesAndUses.subject)
  sourcesAndUses(request: GetSourcesAndUsesRequest) {
    return this.statements.sourcesAndUses(request);
  }

  @MessagePattern(FundsRpc.getHappinessFundBudget.subject)
  happinessFundBudget(request: GetHappinessFundBudgetRequest) {
    return this.statements.happinessFundBudget(request);
  }

  @MessagePattern(FundsRpc.getHouseholdStatement.subject)
  householdStatement(request: GetHouseholdStatementRequest) {
    return this.statements.household(request);
  }
}
