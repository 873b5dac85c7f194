import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';

import {
  BankLineState,
  CustodyAccount,
  type ImportBankStatementRequest,
  type ReconciliationSchema,
  type ResolveBankLineRequest,
} from '@yishi/contracts';
import { AmountError, DEFAULT_CURRENCY, fromMinorUnits, toMinorUnits } from '@yishi/money';
import { parseCsv } from '@yishi/tabular';

import { isCalendarDate, isUuid } from '../wire';
import { Chart } from './chart';
import { FundChartService } from './fund-chart.service';
import { invalid } from './fund-operations';
import { ReconciliationRepository, type BankLineRecord, type BankLineStateName, type CustodyMovement } from './reconciliation.repository';

type Reconciliation = MessageInitShape<typeof ReconciliationSchema>;

const DAY_MS = 86_400_000;
const WIRE_STATE: Record<BankLineStateName, BankLineState> = {
  matched: BankLineState.MATCHED,
  unmatched: BankLineState.UNMATCHED,
  amount_mismatch: BankLineState.AMOUNT_MISMATCH,
  explained: BankLineState.EXPLAINED,
};
const text = (minor: bigint): string => fromMinorUnits(minor, DEFAULT_CURRENCY);
const daysApart = (a: string, b: string): number => Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / DAY_MS;

/** Bank statements against the custody account: matched lines, unmatched on either side, and the difference. */
@Injectable()
export class ReconciliationService {
  constructor(
    @Inject(FundChartService) private readonly chart: FundChartService,
    @Inject(ReconciliationRepository) private readonly reconciliations: ReconciliationRepository,
  ) {}

  async import(request: ImportBankStatementRequest): Promise<Reconciliation> {
    const bookId = await this.chart.bookOf(request.communityRef);
    if (!request.statementRef.trim()) invalid('statement_ref', 'must name the statement');
    if (!isCalendarDate(request.statementDate)) invalid('statement_date', 'must be YYYY-MM-DD');
    if (await this.reconciliations.statement(bookId, request.statementRef)) return this.view(bookId, request.statementRef);
    const accountId = await this.chart.account(bookId, request.account === CustodyAccount.ONLINE_COLLECTION ? Chart.onlineCollection() : Chart.communityBank());
    const closing = parseAmount(request.closingBalance?.amount ?? '', 'closing_balance.amount');
    const parsed = parseStatementCsv(request.csv);
    const firstDate = parsed.map((line) => line.date).sort()[0] ?? request.statementDate;
    const window = request.dateWindowDays || 3;
    const candidates = await this.reconciliations.movements(bookId, accountId, shift(firstDate, -window), shift(request.statementDate, window), request.statementRef);
    const lines = matchLines(parsed, candidates, window);
    await this.reconciliations.save(bookId, request.statementRef, { account_id: accountId, statement_date: request.statementDate, first_date: firstDate, closing_balance: closing }, lines);
    return this.view(bookId, request.statementRef);
  }

  async resolve(request: ResolveBankLineRequest): Promise<Reconciliation> {
    const bookId = await this.chart.bookOf(request.communityRef);
    if (request.entryId && !isUuid(request.entryId)) invalid('entry_id', 'must be an entry id');
    if (!request.entryId && !request.explanation.trim()) invalid('explanation', 'give the entry it matches or an explanation');
    const state: BankLineStateName = request.entryId ? 'matched' : 'explained';
    const resolved = await this.reconciliations.resolve(bookId, request.statementRef, request.line, state, request.entryId || null, request.explanation);
    if (!resolved) invalid('line', 'no such line in this statement');
    return this.view(bookId, request.statementRef);
  }

  private async view(bookId: string, statementRef: string): Promise<Reconciliation> {
    const statement = (await this.reconciliations.statement(bookId, statementRef))!;
    const lines = await this.reconciliations.lines(bookId, statementRef);
    const claimed = new Set(lines.flatMap((line) => (line.entry_id ? [line.entry_id] : [])));
    const period = await this.reconciliations.movements(bookId, statement.account_id, statement.first_date, statement.statement_date, statementRef);
    const ledgerBalance = await this.reconciliations.balanceOn(statement.account_id, statement.statement_date);
    return {
      statementRef,
      lines: lines.map((line) => ({
        line: line.line,
        date: line.date,
        amount: text(line.amount),
        reference: line.reference,
        description: line.description,
        state: WIRE_STATE[line.state],
        entryId: line.entry_id ?? '',
        explanation: line.explanation,
      })),
      missingFromStatement: period
        .filter((movement) => !claimed.has(movement.entry_id))
        .map((movement) => ({ entryId: movement.entry_id, effectiveDate: movement.effective_date, amount: text(movement.amount), evidence: movement.evidence })),
      bankBalance: text(statement.closing_balance),
      ledgerBalance: text(ledgerBalance),
      difference: text(statement.closing_balance - ledgerBalance),
    };
  }
}

type ParsedLine = Pick<BankLineRecord, 'line' | 'date' | 'amount' | 'reference' | 'description'>;

/** Reference first (same amount: matched; other amount: flagged), then amount within the date window. */
function matchLines(parsed: readonly ParsedLine[], candidates: readonly CustodyMovement[], window: number): BankLineRecord[] {
  const used = new Set<string>();
  const byReference = (line: ParsedLine): CustodyMovement | undefined =>
    line.reference ? candidates.find((movement) => !used.has(movement.entry_id) && movement.evidence === line.reference) : undefined;
  const byAmount = (line: ParsedLine): CustodyMovement | undefined =>
    candidates
      .filter((movement) => !used.has(movement.entry_id) && movement.amount === line.amount && daysApart(movement.effective_date, line.date) <= window)
      .sort((a, b) => daysApart(a.effective_date, line.date) - daysApart(b.effective_date, line.date))[0];
  const referenced = parsed.map((line) => {
    const movement = byReference(line);
    if (movement) used.add(movement.entry_id);
    return movement;
  });
  return parsed.map((line, index) => {
    const movement = referenced[index] ?? byAmount(line);
    if (movement) used.add(movement.entry_id);
    const state: BankLineStateName = !movement ? 'unmatched' : movement.amount === line.amount ? 'matched' : 'amount_mismatch';
    return { ...line, state, entry_id: movement?.entry_id ?? null, explanation: '' };
  });
}

/** CSV with a header line: date, amount, reference, description (quotes allowed). Every bad line is reported. */
export function parseStatementCsv(csv: string): ParsedLine[] {
  const rows = parseCsv(csv);
  if (rows.length < 2) invalid('csv', 'must hold a header line and at least one statement line');
  const problems: string[] = [];
  const lines = rows.slice(1).map((row, index) => {
    const [date = '', amount = '', reference = '', description = ''] = row;
    const line = index + 1;
    if (!isCalendarDate(date)) problems.push(`line ${line}: date must be YYYY-MM-DD`);
    const signed = amount.startsWith('-') ? -1n : 1n;
    let minor = 0n;
    try {
      minor = signed * toMinorUnits(amount.replace(/^[-+]/, ''), DEFAULT_CURRENCY);
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      problems.push(`line ${line}: amount ${JSON.stringify(amount)} is not a non-zero amount in fen`);
    }
    return { line, date, amount: minor, reference: reference.trim(), description: description.trim() };
  });
  if (problems.length > 0) invalid('csv', problems.join('; '));
  return lines;
}


function parseAmount(amount: string, field: string): bigint {
  try {
    return (amount.startsWith('-') ? -1n : 1n) * toMinorUnits(amount.replace(/^[-+]/, ''), DEFAULT_CURRENCY);
  } catch {
    return amount === '0' || amount === '0.00' ? 0n : invalid(field, 'must be a decimal amount');
  }
}

function shift(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
