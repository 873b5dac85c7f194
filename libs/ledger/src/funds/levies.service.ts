import { Inject, Injectable } from '@nestjs/common';
import { toJsonString, type MessageInitShape } from '@bufbuild/protobuf';
import Decimal from 'decimal.js';

import {
  CreateLevyRequestSchema,
  HouseholdType,
  LevyBasis,
  PayLevyRequestSchema,
  PaymentMethod,
  type CreateLevyRequest,
  type GetLevyArrearsRequest,
  type LevyArrearsSchema,
  type LevyHousehold,
  type LevyResultSchema,
  type OperationResultSchema,
  type PayLevyRequest,
} from '@yishi/contracts';
import { DEFAULT_CURRENCY, fromMinorUnits } from '@yishi/money';
import { uuidFromSeed } from '@yishi/persistence';

import { Chart } from './chart';
import { FundChartService } from './fund-chart.service';
import { FundOperations, amountOf, invalid, pair } from './fund-operations';
import { FundsRepository } from './funds.repository';

const LEVY_REF = /^[a-z0-9][a-z0-9_-]{0,60}$/;
const AREA = /^\d{1,5}(\.\d{1,2})?$/;

/** Recurring levies: a fee schedule makes a receivable per household; payments settle them. */
@Injectable()
export class LeviesService {
  constructor(
    @Inject(FundChartService) private readonly chart: FundChartService,
    @Inject(FundsRepository) private readonly funds: FundsRepository,
    @Inject(FundOperations) private readonly operations: FundOperations,
  ) {}

  /** One receivable per household, as one linked chain: the whole roster is charged or none of it. */
  async create(request: CreateLevyRequest): Promise<MessageInitShape<typeof LevyResultSchema>> {
    const { header, bookId } = await this.operations.open(request.header);
    if (!LEVY_REF.test(request.levyRef)) invalid('levy_ref', 'must be a short reference such as "green-care-2026"');
    if (request.households.length === 0) invalid('households', 'must list the households to charge');
    const dues = request.households.map((household, index) => ({ household: household.householdRef, due: dueFor(request, household, `households[${index}]`) }));
    const income = await this.chart.account(bookId, Chart.levyFund(request.levyRef));
    const content = toJsonString(CreateLevyRequestSchema, request);
    const drafts = await Promise.all(
      dues.map(async ({ household, due }, index) =>
        this.operations.draft(header, bookId, `${content}#${index}`, {
          id: index === 0 ? header.operationId : uuidFromSeed(`${header.operationId}#${index}`),
          postings: pair(await this.chart.account(bookId, Chart.levyReceivable(request.levyRef, household)), income, due),
          decisionRef: request.decisionRef,
          linked: index < dues.length - 1,
          metadata: { operation: 'levy_charge', levy: request.levyRef, household },
        }),
      ),
    );
    const outcomes = await this.operations.recordAll(drafts);
    const failed = outcomes.find((outcome) => !outcome.applied);
    const total = dues.reduce((sum, { due }) => sum + due, 0n);
    return { applied: !failed, refusal: failed?.refusal ?? '', totalDue: fromMinorUnits(total, DEFAULT_CURRENCY), households: dues.length };
  }

  /** A household pays (part of) what it owes; paying more than is due is refused. */
  async pay(request: PayLevyRequest): Promise<MessageInitShape<typeof OperationResultSchema>> {
    const { header, bookId } = await this.operations.open(request.header);
    if (!LEVY_REF.test(request.levyRef)) invalid('levy_ref', 'must name the levy');
    if (!request.householdRef.trim()) invalid('household_ref', 'must name the household');
    const amount = amountOf(request.amount, 'amount.amount');
    const custody = request.method === PaymentMethod.ONLINE ? Chart.onlineCollection() : Chart.communityBank();
    const receivable = await this.chart.account(bookId, Chart.levyReceivable(request.levyRef, request.householdRef));
    return this.operations.record(header, bookId, toJsonString(PayLevyRequestSchema, request), {
      postings: pair(await this.chart.account(bookId, custody), receivable, amount),
      metadata: { operation: 'levy_payment', levy: request.levyRef, household: request.householdRef },
    });
  }

  async arrears(request: GetLevyArrearsRequest): Promise<MessageInitShape<typeof LevyArrearsSchema>> {
    const bookId = await this.chart.bookOf(request.communityRef);
    const accounts = await this.funds.fundAccounts(bookId, 'counterparty.household.');
    const suffix = `.levy.${request.levyRef}`;
    const positions = accounts
      .filter((account) => account.code.endsWith(suffix))
      .map((account) => ({
        household: account.code.slice('counterparty.household.'.length, -suffix.length),
        due: BigInt(account.debits_posted),
        paid: BigInt(account.credits_posted),
      }));
    const text = (minor: bigint): string => fromMinorUnits(minor, DEFAULT_CURRENCY);
    return {
      levyRef: request.levyRef,
      totalDue: text(positions.reduce((sum, position) => sum + position.due, 0n)),
      totalPaid: text(positions.reduce((sum, position) => sum + position.paid, 0n)),
      arrears: positions
        .filter((position) => position.due > position.paid)
        .sort((a, b) => (b.due - b.paid > a.due - a.paid ? 1 : b.due - b.paid < a.due - a.paid ? -1 : a.household.localeCompare(b.household)))
        .map((position) => ({ householdRef: position.household, due: text(position.due), paid: text(position.paid), outstanding: text(position.due - position.paid) })),
    };
  }
}

/** What one household owes under the schedule, in fen. */
function dueFor(request: CreateLevyRequest, household: LevyHousehold, path: string): bigint {
  if (!household.householdRef.trim()) invalid(`${path}.household_ref`, 'must name the household');
  switch (request.basis) {
    case LevyBasis.HOUSEHOLD_TYPE:
      if (household.type === HouseholdType.OCCUPIED) return amountOf(request.occupiedRate, 'occupied_rate.amount');
      if (household.type === HouseholdType.VACANT) return amountOf(request.vacantRate, 'vacant_rate.amount');
      return invalid(`${path}.type`, 'must be OCCUPIED or VACANT');
    case LevyBasis.FLOOR_AREA: {
      if (!AREA.test(household.floorArea)) invalid(`${path}.floor_area`, 'must be square metres such as "86.5"');
      const rate = new Decimal(amountOf(request.ratePerSquareMetre, 'rate_per_square_metre.amount').toString());
      return BigInt(rate.times(household.floorArea).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
    }
    case LevyBasis.EQUAL:
      return amountOf(request.equalAmount, 'equal_amount.amount');
    default:
      return invalid('basis', 'must be HOUSEHOLD_TYPE, FLOOR_AREA or EQUAL');
  }
}
