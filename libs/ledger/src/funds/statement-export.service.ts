import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import ExcelJS from 'exceljs';

import { ExportFormat, FundingSource, StatementKind, type ExportStatementRequest, type ExportedFileSchema } from '@yishi/contracts';

import { BalancesService } from '../balances/balances.service';
import { invalid } from './fund-operations';
import { FundChartService } from './fund-chart.service';
import { FundStatementsService } from './fund-statements.service';

/** A statement as a table: what both CSV and XLSX are written from. Headers are bilingual. */
interface Table {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly string[][];
  /** Columns holding amounts (decimal strings). */
  readonly amountColumns: ReadonlySet<number>;
}

const SOURCE_LABELS: Record<FundingSource, string> = {
  [FundingSource.UNSPECIFIED]: '',
  [FundingSource.SELF_RAISED]: '业主自筹 self-raised',
  [FundingSource.ESTATE_FUND]: '小区公共基金 estate fund',
  [FundingSource.HAPPINESS_FUND]: '幸福资金 happiness fund',
  [FundingSource.CO_SPONSOR]: '共建单位 co-sponsor',
};

@Injectable()
export class StatementExportService {
  constructor(
    @Inject(FundStatementsService) private readonly statements: FundStatementsService,
    @Inject(BalancesService) private readonly balances: BalancesService,
    @Inject(FundChartService) private readonly chart: FundChartService,
  ) {}

  async export(request: ExportStatementRequest): Promise<MessageInitShape<typeof ExportedFileSchema>> {
    if (request.format !== ExportFormat.CSV && request.format !== ExportFormat.XLSX) invalid('format', 'must be CSV or XLSX');
    const table = await this.table(request);
    return request.format === ExportFormat.CSV
      ? { fileName: `${table.name}.csv`, contentType: 'text/csv; charset=utf-8', content: toCsv(table) }
      : { fileName: `${table.name}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: await toXlsx(table) };
  }

  private async table(request: ExportStatementRequest): Promise<Table> {
    const { communityRef } = request;
    switch (request.kind) {
      case StatementKind.SOURCES_AND_USES: {
        const statement = await this.statements.sourcesAndUses({ communityRef, projectRef: request.projectRef, asOfDate: request.asOfDate });
        return {
          name: `sources-and-uses-${request.projectRef}${request.asOfDate ? `-${request.asOfDate}` : ''}`,
          columns: ['来源 source', '出资单位 sponsor', '已承诺 committed', '已到账 received', '已支出 spent', '结余 remaining'],
          rows: [
            ...(statement.sources ?? []).map((line) => [SOURCE_LABELS[line.source ?? FundingSource.UNSPECIFIED], line.sponsor ?? '', line.committed!, line.received!, line.spent!, line.remaining!]),
            ['合计 total', '', '', statement.totalSources!, statement.totalUses!, statement.totalRemaining!],
            ['资金缺口 funding gap', '', statement.fundingGap!, '', '', ''],
          ],
          amountColumns: new Set([2, 3, 4, 5]),
        };
      }
      case StatementKind.HAPPINESS_FUND_BUDGET: {
        const budget = await this.statements.happinessFundBudget({ communityRef, year: request.year, asOfDate: request.asOfDate });
        return {
          name: `happiness-fund-${request.year}`,
          columns: ['项目 project', '已承诺 committed', '已拨付 disbursed'],
          rows: [
            ...(budget.projects ?? []).map((line) => [line.projectRef!, line.committed!, line.disbursed!]),
            ['预算 allocated', budget.allocated!, ''],
            ['可用 available', budget.available!, ''],
          ],
          amountColumns: new Set([1, 2]),
        };
      }
      case StatementKind.HOUSEHOLD: {
        const statement = await this.statements.household({ communityRef, householdRef: request.householdRef, asOfDate: request.asOfDate });
        return {
          name: `household-${request.householdRef}`,
          columns: ['项目 project', '收款方 payee', '类别 category', '付款 payment', '本户分摊 share', '本户出资 given', '退回 refunded', '结余 unspent'],
          rows: (statement.projects ?? []).flatMap((project) => [
            ...(project.payments ?? []).map((payment) => [project.projectRef!, payment.payee!, payment.category!, payment.payment!, payment.share!, '', '', '']),
            [project.projectRef!, '', '', '', '', project.given!, project.refunded!, project.unspent!],
          ]),
          amountColumns: new Set([3, 4, 5, 6, 7]),
        };
      }
      case StatementKind.TRIAL_BALANCE: {
        const bookId = await this.chart.bookOf(communityRef);
        const trial = await this.balances.trialBalance({ bookId, asOfDate: request.asOfDate });
        return {
          name: `trial-balance-${trial.asOfDate}`,
          columns: ['科目 code', '名称 name', '币种 currency', '借方 debits', '贷方 credits'],
          rows: [
            ...(trial.lines ?? []).map((line) => [line.code!, line.nameZh!, line.currency!, line.debits!, line.credits!]),
            ...(trial.totals ?? []).map((total) => ['合计 total', '', total.currency!, total.debits!, total.credits!]),
          ],
          amountColumns: new Set([3, 4]),
        };
      }
      default:
        return invalid('kind', 'must be SOURCES_AND_USES, HAPPINESS_FUND_BUDGET, HOUSEHOLD or TRIAL_BALANCE');
    }
  }
}

/** RFC 4180, with a byte-order mark so spreadsheet programs read the Chinese as UTF-8. */
function toCsv(table: Table): Uint8Array {
  const quote = (cell: string): string => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  const lines = [table.columns, ...table.rows].map((row) => row.map(quote).join(','));
  return new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`);
}

/**
 * One sheet. Amount cells are numeric with a two-decimal format so auditors can sum them; the
 * decimal strings become spreadsheet numbers only here, at the edge — no arithmetic is done on them.
 */
async function toXlsx(table: Table): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(table.name.slice(0, 31));
  sheet.addRow([...table.columns]).font = { bold: true };
  for (const row of table.rows) {
    sheet.addRow(row.map((cell, index) => (table.amountColumns.has(index) && cell !== '' ? Number(cell) : cell)));
  }
  for (const index of table.amountColumns) sheet.getColumn(index + 1).numFmt = '#,##0.00';
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
