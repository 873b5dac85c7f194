import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import Decimal from 'decimal.js';

import {
  FundingSource,
  type GetHappinessFundBudgetRequest,
  type GetHouseholdStatementRequest,
  type GetSourcesAndUsesRequest,
  type HappinessFundBudgetSchema,
  type HouseholdStatementSchema,
  type LookupReceiptRequest,
  type ReceiptSchema,
  type SourcesAndUsesSchema,
} from '@yishi/contracts';
import { DEFAULT_CURRENCY, allocate, fromMinorUnits } from '@yishi/money';

import { LedgerErrorCode, ledgerError } from '../ledger.error';
import { isCalendarDate } from '../wire';
import { Chart, SOURCE_CODES, projectFundPrefix } from './chart';
import { FundChartService } from './fund-chart.service';
import { FundsRepository, type FundAccountRow, type PaymentRow } from './funds.repository';


/** Statements are as of the end of a day (by effective date), or as they stand now. */
function asOfDate(value: string): string | undefined {
  if (!value) return undefined;
  if (!isCalendarDate(value)) throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field: 'as_of_date', reason: 'must be YYYY-MM-DD' }]);
  return value;
}

const SOURCE_BY_CODE = new Map(Object.entries(SOURCE_CODES).map(([source, code]) => [code, Number(source) as FundingSource]));
const text = (minor: bigint): string => fromMinorUnits(minor, DEFAULT_CURRENCY);
const sum = (values: readonly bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

interface SourceTotals {
  readonly source: FundingSource;
  readonly sponsor: string;
  readonly committed: bigint;
  readonly received: bigint;
  readonly spent: bigint;
}

function sourceTotals(projectRef: string, account: FundAccountRow): SourceTotals {
  const [code, sponsor = ''] = account.code.slice(projectFundPrefix(projectRef).length).split('.');
  return {
    source: SOURCE_BY_CODE.get(code!) ?? FundingSource.UNSPECIFIED,
    sponsor,
    committed: BigInt(account.credits_pending),
    received: BigInt(account.credits_posted),
    spent: BigInt(account.debits_posted),
  };
}

/** The statements people read: sources and uses of a project, the happiness-fund budget, a household's money. */
@Injectable()
export class FundStatementsService {
  constructor(
    @Inject(FundChartService) private readonly chart: FundChartService,
    @Inject(FundsRepository) private readonly funds: FundsRepository,
  ) {}

  async sourcesAndUses(request: Pick<GetSourcesAndUsesRequest, 'communityRef' | 'projectRef' | 'asOfDate'>): Promise<MessageInitShape<typeof SourcesAndUsesSchema>> {
    const bookId = await this.chart.bookOf(request.communityRef);
    const project = await this.funds.project(bookId, request.projectRef);
    if (!project) throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field: 'project_ref', reason: 'no such project' }]);
    const asOf = asOfDate(request.asOfDate);
    const sources = (await this.funds.fundAccounts(bookId, projectFundPrefix(project.project_ref), asOf)).map((account) => sourceTotals(project.project_ref, account));
    const payments = await this.funds.payments(bookId, project.project_ref, asOf);
    const received = sum(sources.map((source) => source.received));
    const spent = sum(sources.map((source) => source.spent));
    const uses = sum(payments.map((payment) => BigInt(payment.amount)));
    const pledged = received + sum(sources.map((source) => source.committed));
    const gap = BigInt(project.cost) - pledged;
    const inKind = await this.funds.inKind(bookId, project.project_ref, asOf);
    return {
      projectRef: project.project_ref,
      currency: project.currency,
      cost: text(BigInt(project.cost)),
      sources: sources.map((source) => ({
        source: source.source,
        sponsor: source.sponsor,
        committed: text(source.committed),
        received: text(source.received),
        spent: text(source.spent),
        remaining: text(source.received - source.spent),
      })),
      uses: usesByPayee(payments),
      totalSources: text(received),
      totalUses: text(uses),
      totalRemaining: text(received - spent),
      fundingGap: text(gap > 0n ? gap : 0n),
      leverage: leverage(sources),
      // Sources = uses + remaining: holds exactly when every yuan out of the project funds is a recorded payment.
      balances: spent === uses,
      inKind: inKind.map((gift) => ({ ...gift, value: text(BigInt(gift.value)) })),
      inKindValue: text(sum(inKind.map((gift) => BigInt(gift.value)))),
    };
  }

  /** A household looks its contribution up by the code on its receipt, with the journal's proof. */
  async receipt(request: Pick<LookupReceiptRequest, 'communityRef' | 'receiptCode'>): Promise<MessageInitShape<typeof ReceiptSchema>> {
    const bookId = await this.chart.bookOf(request.communityRef);
    const row = await this.funds.receipt(bookId, request.receiptCode.trim().toUpperCase());
    if (!row) throw ledgerError(LedgerErrorCode.InvalidRequest, [{ field: 'receipt_code', reason: 'no contribution has this receipt code' }]);
    return {
      receiptCode: row.metadata['receipt_code'] ?? '',
      projectRef: row.metadata['project'] ?? '',
      householdRef: row.metadata['household'] ?? '',
      amount: text(BigInt(row.amount)),
      method: row.metadata['method'] ?? '',
      effectiveDate: row.effective_date,
      evidence: row.evidence,
      entryId: row.entry_id,
      sequence: BigInt(row.sequence),
      hash: row.hash,
    };
  }

  async happinessFundBudget(request: Pick<GetHappinessFundBudgetRequest, 'communityRef' | 'year' | 'asOfDate'>): Promise<MessageInitShape<typeof HappinessFundBudgetSchema>> {
    const bookId = await this.chart.bookOf(request.communityRef);
    const asOf = asOfDate(request.asOfDate);
    const [fund] = await this.funds.fundAccounts(bookId, Chart.happinessFund(request.year).code, asOf);
    const allocated = BigInt(fund?.credits_posted ?? 0);
    const disbursed = BigInt(fund?.debits_posted ?? 0);
    const committed = BigInt(fund?.debits_pending ?? 0);
    const projects = fund ? await this.funds.commitmentsFrom(fund.id, asOf) : [];
    return {
      year: request.year,
      allocated: text(allocated),
      committed: text(committed),
      disbursed: text(disbursed),
      available: text(allocated - disbursed - committed),
      projects: projects.map((line) => ({ projectRef: line.project, committed: text(BigInt(line.committed)), disbursed: text(BigInt(line.disbursed)) })),
    };
  }

  /** What a household gave, to which projects, and its pro-rata part of each payment from the self-raised money. */
  async household(request: Pick<GetHouseholdStatementRequest, 'communityRef' | 'householdRef' | 'asOfDate'>): Promise<MessageInitShape<typeof HouseholdStatementSchema>> {
    const bookId = await this.chart.bookOf(request.communityRef);
    const asOf = asOfDate(request.asOfDate);
    const gifts = await this.funds.householdGifts(bookId, { household: request.householdRef, asOf });
    const projects = await Promise.all(gifts.map((gift) => this.householdProject(bookId, gift.project, request.householdRef, asOf)));
    return { householdRef: request.householdRef, totalGiven: text(sum(gifts.map((gift) => BigInt(gift.given)))), projects };
  }

  /**
   * Each household's part of every payment from the project's self-raised money (pro rata to what
   * it gave, largest remainder), so every household's given = its shares + refunded + unspent.
   */
  async householdPositions(bookId: string, projectRef: string, asOf?: string): Promise<Map<string, HouseholdPosition>> {
    const gifts = await this.funds.householdGifts(bookId, { project: projectRef, asOf });
    const weights = gifts.map((gift) => BigInt(gift.given));
    const selfRaised = Chart.projectFund(projectRef, FundingSource.SELF_RAISED).code;
    const positions = new Map(gifts.map((gift) => [gift.household, { given: BigInt(gift.given), refunded: BigInt(gift.refunded), shares: [] as PaymentShare[] }]));
    for (const payment of await this.funds.payments(bookId, projectRef, asOf)) {
      const fromSelfRaised = BigInt(payment.parts[selfRaised] ?? 0);
      const shares = fromSelfRaised > 0n ? allocate(fromSelfRaised, weights) : weights.map(() => 0n);
      gifts.forEach((gift, index) => positions.get(gift.household)!.shares.push({ payment, share: shares[index]! }));
    }
    return positions;
  }

  private async householdProject(bookId: string, projectRef: string, householdRef: string, asOf?: string) {
    const position = (await this.householdPositions(bookId, projectRef, asOf)).get(householdRef)!;
    return {
      projectRef,
      given: text(position.given),
      payments: position.shares.map(({ payment, share }) => ({ payee: payment.payee, category: payment.category, payment: text(BigInt(payment.amount)), share: text(share) })),
      unspent: text(unspentOf(position)),
      refunded: text(position.refunded),
    };
  }
}

interface PaymentShare {
  readonly payment: PaymentRow;
  readonly share: bigint;
}

export interface HouseholdPosition {
  readonly given: bigint;
  readonly refunded: bigint;
  readonly shares: PaymentShare[];
}

/** What of a household's money the project still holds. */
export function unspentOf(position: HouseholdPosition): bigint {
  return position.given - position.refunded - sum(position.shares.map((share) => share.share));
}

function usesByPayee(payments: readonly PaymentRow[]): { payee: string; category: string; amount: string }[] {
  const totals = new Map<string, { payee: string; category: string; amount: bigint }>();
  for (const payment of payments) {
    const key = `${payment.payee}\u0000${payment.category}`;
    const line = totals.get(key) ?? { payee: payment.payee, category: payment.category, amount: 0n };
    line.amount += BigInt(payment.amount);
    totals.set(key, line);
  }
  return [...totals.values()].map((line) => ({ ...line, amount: text(line.amount) }));
}

/** Yuan from residents, the estate and co-sponsors per yuan of happiness fund, to two decimals. */
function leverage(sources: readonly SourceTotals[]): string {
  const pledged = (source: SourceTotals): bigint => source.received + source.committed;
  const happiness = sum(sources.filter((source) => source.source === FundingSource.HAPPINESS_FUND).map(pledged));
  if (happiness === 0n) return '';
  const drawn = sum(sources.filter((source) => source.source !== FundingSource.HAPPINESS_FUND).map(pledged));
  return new Decimal(drawn.toString()).dividedBy(happiness.toString()).toDecimalPlaces(2).toFixed(2);
}
