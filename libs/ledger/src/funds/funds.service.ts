import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { toJsonString, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import {
  AllocateBudgetRequestSchema,
  CloseProjectRequestSchema,
  CoSponsorContributionRequestSchema,
  RecordInKindRequestSchema,
  DepositCashRequestSchema,
  CommitGrantRequestSchema,
  ContributeRequestSchema,
  DisburseRequestSchema,
  FundingSource,
  PayRequestSchema,
  PaymentMethod,
  PledgeRequestSchema,
  ProjectStatus,
  RecordEstateFundIncomeRequestSchema,
  SplitRule,
  SurplusRule,
  type AllocateBudgetRequest,
  type CloseProjectRequest,
  type CloseProjectResultSchema,
  type CoSponsorContributionRequest,
  type CommitGrantRequest,
  type ContributeRequest,
  type DisburseRequest,
  type OpenProjectRequest,
  type OperationHeader,
  type OperationResultSchema,
  type PayRequest,
  type PledgeRequest,
  type RecordInKindRequest,
  type DepositCashRequest,
  type ProjectSchema,
  type RecordEstateFundIncomeRequest,
  type SetProjectStatusRequest,
} from '@yishi/contracts';
import { DEFAULT_CURRENCY, allocate, fromMinorUnits } from '@yishi/money';
import { uuidFromSeed } from '@yishi/persistence';

import { JournalRepository } from '../chain/journal.repository';
import { EntriesService } from '../entries/entries.service';
import type { PostingLine } from '../entries/entry.model';
import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { isUuid } from '../wire';
import { Chart, SOURCE_CODES, projectFundPrefix } from './chart';
import { FundChartService } from './fund-chart.service';
import { FundOperations, amountOf, invalid, pair } from './fund-operations';
import { FundStatementsService, unspentOf } from './fund-statements.service';
import { FundsRepository, type FundAccountRow, type ProjectRecord, type ProjectStatusName } from './funds.repository';

type OperationResult = MessageInitShape<typeof OperationResultSchema>;
type KnownSource = Exclude<FundingSource, FundingSource.UNSPECIFIED>;

const STATUS_NAMES: Partial<Record<ProjectStatus, ProjectStatusName>> = {
  [ProjectStatus.OPEN_FOR_CONTRIBUTIONS]: 'open_for_contributions',
  [ProjectStatus.OPEN_FOR_SPENDING]: 'open_for_spending',
  [ProjectStatus.CLOSED]: 'closed',
};
const WIRE_STATUS: Record<ProjectStatusName, ProjectStatus> = {
  open_for_contributions: ProjectStatus.OPEN_FOR_CONTRIBUTIONS,
  open_for_spending: ProjectStatus.OPEN_FOR_SPENDING,
  closed: ProjectStatus.CLOSED,
};
const METHOD_NAMES: Partial<Record<PaymentMethod, string>> = {
  [PaymentMethod.CASH]: 'cash',
  [PaymentMethod.BANK]: 'bank',
  [PaymentMethod.ONLINE]: 'online',
};

/** A short code a household can read out to look its contribution up: "R-7K2M-Q9XD". */
export function receiptCode(operationId: string): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const digest = createHash('sha256').update(operationId).digest();
  const letters = [...digest.subarray(0, 8)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `R-${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/**
 * Operations with business meaning, each one balanced entry (or a pending transfer) with its
 * evidence, idempotent by the caller's operation id.
 */
@Injectable()
export class FundsService {
  constructor(
    @Inject(FundChartService) private readonly chart: FundChartService,
    @Inject(FundsRepository) private readonly funds: FundsRepository,
    @Inject(EntriesService) private readonly entries: EntriesService,
    @Inject(FundOperations) private readonly operations: FundOperations,
    @Inject(JournalRepository) private readonly journal: JournalRepository,
    @Inject(FundStatementsService) private readonly statements: FundStatementsService,
  ) {}

  async openProject(request: OpenProjectRequest): Promise<MessageInitShape<typeof ProjectSchema>> {
    if (!request.projectRef.trim()) invalid('project_ref', 'must name the project');
    if (!request.nameZh.trim()) invalid('name_zh', 'must not be empty');
    const cost = amountOf(request.cost, 'cost.amount');
    const bookId = await this.chart.openBook(request.communityRef, request.communityName);
    const project = await this.funds.openProject({
      book_id: bookId,
      project_ref: request.projectRef,
      name_zh: request.nameZh,
      name_en: request.nameEn,
      estate_ref: request.estateRef,
      cost: cost.toString(),
      currency: DEFAULT_CURRENCY,
    });
    return toProject(request.communityRef, project);
  }

  async setStatus(request: SetProjectStatusRequest): Promise<MessageInitShape<typeof ProjectSchema>> {
    const status = STATUS_NAMES[request.status] ?? invalid('status', 'must be OPEN_FOR_CONTRIBUTIONS, OPEN_FOR_SPENDING or CLOSED');
    const bookId = await this.chart.bookOf(request.communityRef);
    const project = (await this.funds.setStatus(bookId, request.projectRef, status)) ?? notFound('project_ref');
    return toProject(request.communityRef, project);
  }

  /**
   * The district grants the community's happiness fund for a year and the money lands in the
   * community's bank account; it passes through the district-finance counterparty, whose turnover
   * shows every grant the district made.
   */
  async allocateBudget(request: AllocateBudgetRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    if (request.year < 2000 || request.year > 2100) invalid('year', 'must be a year such as 2026');
    const amount = amountOf(request.amount, 'amount.amount');
    const bank = await this.chart.account(bookId, Chart.communityBank());
    const district = await this.chart.account(bookId, Chart.districtFinance());
    const fund = await this.chart.account(bookId, Chart.happinessFund(request.year));
    return this.operations.record(header, bookId, toJsonString(AllocateBudgetRequestSchema, request), {
      postings: [...pair(bank, district, amount), ...pair(district, fund, amount)],
      decisionRef: request.decisionRef,
      metadata: { operation: 'budget_allocation', year: String(request.year) },
    });
  }

  async recordEstateFundIncome(request: RecordEstateFundIncomeRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    if (!request.estateRef.trim()) invalid('estate_ref', 'must name the estate');
    const amount = amountOf(request.amount, 'amount.amount');
    const committee = await this.chart.account(bookId, Chart.ownersCommittee(request.estateRef));
    const fund = await this.chart.account(bookId, Chart.estateFund(request.estateRef));
    return this.operations.record(header, bookId, toJsonString(RecordEstateFundIncomeRequestSchema, request), {
      postings: pair(committee, fund, amount),
      metadata: { operation: 'estate_fund_income', estate: request.estateRef },
    });
  }

  /** A household gives to a project; cash goes to the fundraising group, the rest to the bank or online account. */
  async contribute(request: ContributeRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (project.status === 'closed') return this.refusedUpFront(header, 'PROJECT_CLOSED');
    if (!request.householdRef.trim()) invalid('household_ref', 'must name the household');
    const method = METHOD_NAMES[request.method] ?? invalid('method', 'must be CASH, BANK or ONLINE');
    if (!header.evidence.trim()) invalid('header.evidence', 'must carry the receipt number');
    const amount = amountOf(request.amount, 'amount.amount');
    const custodyAccount =
      method === 'cash' ? Chart.fundraisingCash(project.project_ref) : method === 'bank' ? Chart.communityBank() : Chart.onlineCollection();
    const custody = await this.chart.account(bookId, custodyAccount);
    const fund = await this.chart.account(bookId, Chart.projectFund(project.project_ref, FundingSource.SELF_RAISED));
    const code = receiptCode(header.operationId);
    const result = await this.operations.record(header, bookId, toJsonString(ContributeRequestSchema, request), {
      postings: pair(custody, fund, amount),
      metadata: { operation: 'contribution', project: project.project_ref, household: request.householdRef, method, receipt_code: code },
    });
    return { ...result, receiptCode: result.applied ? code : '' };
  }

  /** Reserves a grant from the happiness fund or the estate fund, authorised by a ballot. */
  async commitGrant(request: CommitGrantRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (!request.decisionRef.trim()) invalid('decision_ref', 'a grant needs the ballot that authorised it');
    const amount = amountOf(request.amount, 'amount.amount');
    const [from, source] =
      request.source === FundingSource.HAPPINESS_FUND
        ? [Chart.happinessFund(request.year), FundingSource.HAPPINESS_FUND as const]
        : request.source === FundingSource.ESTATE_FUND
          ? [Chart.estateFund(project.estate_ref || invalid('project_ref', 'the project names no estate')), FundingSource.ESTATE_FUND as const]
          : invalid('source', 'must be HAPPINESS_FUND or ESTATE_FUND');
    const fund = await this.chart.account(bookId, from);
    const projectFund = await this.chart.account(bookId, Chart.projectFund(project.project_ref, source));
    return this.operations.record(header, bookId, toJsonString(CommitGrantRequestSchema, request), {
      kind: 'pending',
      postings: pair(fund, projectFund, amount),
      decisionRef: request.decisionRef,
      metadata: { operation: 'commitment', project: project.project_ref, source: SOURCE_CODES[source] },
    });
  }

  /** Pays out a commitment (all of it, or part; the rest is released). */
  async disburse(request: DisburseRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    if (!isUuid(request.commitmentId)) invalid('commitment_id', 'must be the operation id of the commitment');
    const amount = request.amount?.amount ? amountOf(request.amount, 'amount.amount') : null;
    const pending = amount === null ? [] : await this.pendingPair(request.commitmentId, amount);
    const commitment = (await this.journal.entry(request.commitmentId))?.metadata ?? {};
    const fulfilsPledge = commitment['operation'] === 'pledge';
    const code = receiptCode(header.operationId);
    const result = await this.operations.record(header, bookId, toJsonString(DisburseRequestSchema, request), {
      kind: 'post_pending',
      pendingId: request.commitmentId,
      postings: pending,
      metadata: fulfilsPledge
        ? { operation: 'contribution', project: commitment['project'] ?? '', household: commitment['household'] ?? '', method: 'bank', receipt_code: code }
        : { operation: 'disbursement', project: commitment['project'] ?? '' },
    });
    return fulfilsPledge && result.applied ? { ...result, receiptCode: code } : result;
  }

  /** A co-sponsor unit pays into the project; its money is kept as its own source. */
  async contributeAsCoSponsor(request: CoSponsorContributionRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (project.status === 'closed') return this.refusedUpFront(header, 'PROJECT_CLOSED');
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(request.sponsor)) invalid('sponsor', 'must be the co-sponsor’s reference (a-z, 0-9, "-", "_")');
    const amount = amountOf(request.amount, 'amount.amount');
    const bank = await this.chart.account(bookId, Chart.communityBank());
    const fund = await this.chart.account(bookId, Chart.projectFund(project.project_ref, FundingSource.CO_SPONSOR, request.sponsor));
    return this.operations.record(header, bookId, toJsonString(CoSponsorContributionRequestSchema, request), {
      postings: pair(bank, fund, amount),
      metadata: { operation: 'co_sponsor_contribution', project: project.project_ref, sponsor: request.sponsor },
    });
  }

  /** Cash moves from the fundraising group to the bank: custody changes, what the money is for does not. */
  async depositCash(request: DepositCashRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (!header.evidence.trim()) invalid('header.evidence', 'must carry the deposit slip number');
    const amount = amountOf(request.amount, 'amount.amount');
    const bank = await this.chart.account(bookId, Chart.communityBank());
    const cash = await this.chart.account(bookId, Chart.fundraisingCash(project.project_ref));
    return this.operations.record(header, bookId, toJsonString(DepositCashRequestSchema, request), {
      postings: pair(bank, cash, amount),
      metadata: { operation: 'cash_deposit', project: project.project_ref },
    });
  }

  /** Work or goods given instead of money, valued in the memo book. */
  async recordInKind(request: RecordInKindRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(request.sponsor)) invalid('sponsor', 'must be the giver’s reference (a-z, 0-9, "-", "_")');
    if (!request.description.trim()) invalid('description', 'must say what was given');
    const value = amountOf(request.value, 'value.amount');
    const received = await this.chart.account(bookId, Chart.inKindReceived(project.project_ref));
    const giver = await this.chart.account(bookId, Chart.inKindGiver(request.sponsor));
    return this.operations.record(header, bookId, toJsonString(RecordInKindRequestSchema, request), {
      postings: pair(received, giver, value),
      metadata: { operation: 'in_kind', project: project.project_ref, sponsor: request.sponsor, description: request.description },
    });
  }

  /** A household's promise, reserved until it is fulfilled (Disburse) or lapses at its date. */
  async pledge(request: PledgeRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (project.status === 'closed') return this.refusedUpFront(header, 'PROJECT_CLOSED');
    if (!request.householdRef.trim()) invalid('household_ref', 'must name the household');
    if (!request.expiresAt || timestampDate(request.expiresAt).getTime() <= Date.now()) invalid('expires_at', 'must be a moment in the future');
    const amount = amountOf(request.amount, 'amount.amount');
    const bank = await this.chart.account(bookId, Chart.communityBank());
    const fund = await this.chart.account(bookId, Chart.projectFund(project.project_ref, FundingSource.SELF_RAISED));
    return this.operations.record(header, bookId, toJsonString(PledgeRequestSchema, request), {
      kind: 'pending',
      postings: pair(bank, fund, amount),
      expiresAt: timestampDate(request.expiresAt!),
      metadata: { operation: 'pledge', project: project.project_ref, household: request.householdRef },
    });
  }

  /**
   * Closes the project and settles what is left, as one linked chain: self-raised money back to the
   * households pro rata (largest remainder) and grants back to the fund that gave them, or
   * everything to the estate public fund.
   */
  async closeProject(request: CloseProjectRequest): Promise<MessageInitShape<typeof CloseProjectResultSchema>> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (request.surplus === SurplusRule.UNSPECIFIED) invalid('surplus', 'must be REFUND_CONTRIBUTORS or TRANSFER_TO_ESTATE_FUND');
    if (project.status === 'closed') return { applied: false, refusal: 'PROJECT_CLOSED' };
    const accounts = await this.funds.fundAccounts(bookId, projectFundPrefix(project.project_ref));
    if (accounts.some((account) => BigInt(account.credits_pending) > 0n || BigInt(account.debits_pending) > 0n)) {
      return { applied: false, refusal: 'OPEN_COMMITMENTS' };
    }
    const settlement = await this.settlement(bookId, project, accounts, request.surplus);
    const drafts = settlement.transfers.map((transfer, index) =>
      this.operations.draft(header, bookId, `${toJsonString(CloseProjectRequestSchema, request)}#${index}`, {
        id: index === 0 ? header.operationId : uuidFromSeed(`${header.operationId}#${index}`),
        postings: pair(transfer.from, transfer.to, transfer.amount),
        linked: index < settlement.transfers.length - 1,
        metadata: { operation: transfer.household ? 'refund' : 'surplus_transfer', project: project.project_ref, ...(transfer.household ? { household: transfer.household } : {}) },
      }),
    );
    const outcomes = drafts.length > 0 ? await this.operations.recordAll(drafts) : [];
    const failed = outcomes.find((outcome) => !outcome.applied);
    if (failed) return { applied: false, refusal: failed.refusal ?? '' };
    await this.funds.setStatus(bookId, project.project_ref, 'closed');
    return {
      applied: true,
      refunds: settlement.transfers.filter((transfer) => transfer.household).map((transfer) => ({ householdRef: transfer.household!, amount: fromMinorUnits(transfer.amount, DEFAULT_CURRENCY) })),
      transferredToEstateFund: fromMinorUnits(settlement.toEstate, DEFAULT_CURRENCY),
    };
  }

  private async settlement(bookId: string, project: ProjectRecord, accounts: readonly FundAccountRow[], rule: SurplusRule): Promise<Settlement> {
    const transfers: SettlementTransfer[] = [];
    let toEstate = 0n;
    const estateFund = (): Promise<string> => this.chart.account(bookId, Chart.estateFund(project.estate_ref || invalid('project_ref', 'the project names no estate')));
    for (const account of accounts) {
      const left = BigInt(account.credits_posted) - BigInt(account.debits_posted);
      if (left <= 0n) continue;
      const selfRaised = account.code === Chart.projectFund(project.project_ref, FundingSource.SELF_RAISED).code;
      if (rule === SurplusRule.REFUND_CONTRIBUTORS && selfRaised) {
        transfers.push(...(await this.refunds(bookId, project.project_ref, account.id)));
        continue;
      }
      const giver = rule === SurplusRule.REFUND_CONTRIBUTORS ? await this.funds.committingAccount(account.id) : undefined;
      const to = giver ?? (await estateFund());
      if (!giver) toEstate += left;
      transfers.push({ from: account.id, to, amount: left });
    }
    return { transfers, toEstate };
  }

  /** Each household gets back exactly what of its money was not spent (its statement's "unspent"). */
  private async refunds(bookId: string, projectRef: string, fundId: string): Promise<SettlementTransfer[]> {
    const positions = await this.statements.householdPositions(bookId, projectRef);
    const bank = await this.chart.account(bookId, Chart.communityBank());
    return [...positions].flatMap(([household, position]) => {
      const amount = unspentOf(position);
      return amount > 0n ? [{ from: fundId, to: bank, amount, household }] : [];
    });
  }

  /** Pays a payee from the project, split over its sources so the parts add up to the fen. */
  async pay(request: PayRequest): Promise<OperationResult> {
    const { header, bookId } = await this.operations.open(request.header);
    const project = await this.requireProject(bookId, request.projectRef);
    if (project.status !== 'open_for_spending') return this.refusedUpFront(header, 'PROJECT_NOT_OPEN_FOR_SPENDING');
    if (!request.payee.trim()) invalid('payee', 'must name who is paid');
    if (!header.evidence.trim()) invalid('header.evidence', 'must carry the invoice or receipt number');
    const amount = amountOf(request.amount, 'amount.amount');
    const sources = await this.spendableSources(bookId, project.project_ref);
    const parts = splitPayment(amount, sources, request.split, request.priority);
    if (!parts) return this.refusedUpFront(header, 'EXCEEDS_AVAILABLE');
    // The project owes the payee (sources → payee) and the bank pays it (payee → bank): the payee's
    // account shows everything it was paid.
    const bank = await this.chart.account(bookId, Chart.communityBank());
    const payee = await this.chart.account(bookId, Chart.payee(request.payee));
    const postings: PostingLine[] = [
      ...parts.filter((part) => part.amount > 0n).map((part) => ({ accountId: part.accountId, side: 'debit' as const, amount: part.amount, currency: DEFAULT_CURRENCY })),
      { accountId: payee, side: 'credit', amount, currency: DEFAULT_CURRENCY },
      ...pair(payee, bank, amount),
    ];
    return this.operations.record(header, bookId, toJsonString(PayRequestSchema, request), {
      postings,
      metadata: { operation: 'payment', project: project.project_ref, payee: request.payee, category: request.category },
    });
  }

  private async spendableSources(bookId: string, projectRef: string): Promise<SpendableSource[]> {
    const accounts = await this.funds.fundAccounts(bookId, projectFundPrefix(projectRef));
    return accounts.map((account) => ({
      accountId: account.id,
      code: account.code,
      available: BigInt(account.credits_posted) - BigInt(account.debits_posted) - BigInt(account.debits_pending),
    }));
  }

  private async pendingPair(commitmentId: string, amount: bigint): Promise<PostingLine[]> {
    const entry = await this.entries.pendingTransfer(commitmentId);
    if (!entry) return invalid('commitment_id', 'no such commitment');
    return [
      { accountId: entry.debitAccountId, side: 'debit', amount, currency: entry.currency },
      { accountId: entry.creditAccountId, side: 'credit', amount, currency: entry.currency },
    ];
  }



  private async requireProject(bookId: string, projectRef: string): Promise<ProjectRecord> {
    return (await this.funds.project(bookId, projectRef)) ?? notFound('project_ref');
  }

  private refusedUpFront(header: OperationHeader, refusal: string): OperationResult {
    return { operationId: header.operationId, applied: false, refusal };
  }




}


interface SettlementTransfer {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly household?: string;
}

interface Settlement {
  readonly transfers: SettlementTransfer[];
  readonly toEstate: bigint;
}

interface SpendableSource {
  readonly accountId: string;
  readonly code: string;
  readonly available: bigint;
}

/** What each source pays: pro rata to what it has left (largest remainder), or in priority order. */
export function splitPayment(
  amount: bigint,
  sources: readonly SpendableSource[],
  rule: SplitRule,
  priority: readonly FundingSource[],
): { accountId: string; amount: bigint }[] | null {
  const usable = sources.filter((source) => source.available > 0n);
  const total = usable.reduce((sum, source) => sum + source.available, 0n);
  if (amount > total) return null;
  if (rule !== SplitRule.PRIORITY) {
    const shares = allocate(amount, usable.map((source) => source.available));
    return usable.map((source, index) => ({ accountId: source.accountId, amount: shares[index]! }));
  }
  const rank = (source: SpendableSource): number => {
    const index = priority.findIndex((wanted) => wanted !== FundingSource.UNSPECIFIED && source.code.includes(`.${SOURCE_CODES[wanted as KnownSource]}`));
    return index === -1 ? priority.length : index;
  };
  let left = amount;
  return [...usable]
    .sort((a, b) => rank(a) - rank(b))
    .map((source) => {
      const part = left < source.available ? left : source.available;
      left -= part;
      return { accountId: source.accountId, amount: part };
    });
}


function notFound(field: string): never {
  throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field, reason: 'no such project' }]);
}

function toProject(communityRef: string, project: ProjectRecord): MessageInitShape<typeof ProjectSchema> {
  return {
    communityRef,
    projectRef: project.project_ref,
    nameZh: project.name_zh,
    nameEn: project.name_en,
    estateRef: project.estate_ref,
    cost: { amount: fromMinorUnits(BigInt(project.cost), project.currency), currency: project.currency },
    status: WIRE_STATUS[project.status],
  };
}
