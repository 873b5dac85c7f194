import { timestampFromDate } from '@bufbuild/protobuf/wkt';

import ExcelJS from 'exceljs';

import { BankLineState, CustodyAccount, ExportFormat, FundingSource, FundsRpc, HouseholdType, StatementKind, LevyBasis, PaymentMethod, ProjectStatus, SplitRule, SurplusRule } from '@yishi/contracts';
import { uuidv7 } from '@yishi/persistence';

import { checkInvariants, startLedger, type LedgerFixture } from '../testing/ledger-fixture';

const cny = (amount: string) => ({ amount, currency: 'CNY' });

describe('fund accounting', () => {
  let ledger: LedgerFixture;

  beforeAll(async () => {
    ledger = await startLedger();
  });

  afterAll(async () => {
    await checkInvariants(ledger.rpc, ledger.dataSource);
    await ledger.stop();
  });

  const header = (communityRef: string, extra: { evidence?: string; recordedBy?: string } = {}) => ({
    operationId: uuidv7(),
    communityRef,
    recordedBy: extra.recordedBy ?? 'finance-officer-bailian',
    evidence: extra.evidence ?? '',
  });

  describe('worked example A: stair rails, building 45, Bailian Xincun', () => {
    const community = `bailian-${uuidv7()}`;
    const project = 'rails-b45';
    /** 55,000 from 98 households: the pensioner in b45-001 gave 500, 60 gave 600 and 37 gave 500. */
    const gifts = Array.from({ length: 98 }, (_, index) => [`b45-${String(index + 1).padStart(3, '0')}`, index >= 1 && index <= 60 ? '600.00' : '500.00'] as const);

    it('collects 55,000 self-raised, grants 5,000 after a 21–1 vote, pays 60,000, and the statements add up', async () => {
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, communityName: '百联社区', projectRef: project, nameZh: '45栋楼梯扶手', estateRef: 'bailian-xincun', cost: cny('61000.00') });
      await rpc.call(FundsRpc.allocateBudget, { header: header(community), year: 2025, amount: cny('150000.00'), decisionRef: 'district-budget-2025' });

      const results = await Promise.all(
        gifts.map(([household, amount], index) =>
          rpc.call(FundsRpc.contribute, {
            header: header(community, { evidence: `R-2025-${String(index + 1).padStart(4, '0')}` }),
            projectRef: project,
            householdRef: household,
            amount: cny(amount),
            method: index % 2 === 0 ? PaymentMethod.CASH : PaymentMethod.BANK,
          }),
        ),
      );
      expect(results.every((result) => result.applied && /^R-[2-9A-Z]{4}-[2-9A-Z]{4}$/.test(result.receiptCode))).toBe(true);
      const receipt = await rpc.call(FundsRpc.lookupReceipt, { communityRef: community, receiptCode: results[0]!.receiptCode.toLowerCase() });
      expect(receipt).toMatchObject({ householdRef: 'b45-001', amount: '500.00', projectRef: project, method: 'cash', evidence: 'R-2025-0001', sequence: results[0]!.sequence });
      expect(receipt.hash).toMatch(/^[0-9a-f]{64}$/);

      let statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: project });
      expect(statement).toMatchObject({ cost: '61000.00', totalSources: '55000.00', fundingGap: '6000.00', leverage: '' });

      // The group pays its cash into the bank; it cannot deposit more than it holds.
      expect(await rpc.call(FundsRpc.depositCash, { header: header(community, { evidence: 'DEP-1' }), projectRef: project, amount: cny('99999.00') })).toMatchObject({
        applied: false,
        refusal: 'EXCEEDS_DEBITS',
      });
      expect(await rpc.call(FundsRpc.depositCash, { header: header(community, { evidence: 'DEP-2' }), projectRef: project, amount: cny('20000.00') })).toMatchObject({ applied: true });

      const grant = header(community);
      expect(
        await rpc.call(FundsRpc.commitGrant, { header: grant, projectRef: project, source: FundingSource.HAPPINESS_FUND, year: 2025, amount: cny('5000.00'), decisionRef: 'ballot-2025-05-20 (21 for, 1 against)' }),
      ).toMatchObject({ applied: true });
      expect(await rpc.call(FundsRpc.disburse, { header: header(community), commitmentId: grant.operationId })).toMatchObject({ applied: true });

      // Not open for spending yet: the payment is refused and writes nothing.
      const early = await rpc.call(FundsRpc.pay, { header: header(community, { evidence: 'INV-001' }), projectRef: project, payee: '珠海不锈钢工程队', category: 'works', amount: cny('60000.00') });
      expect(early).toMatchObject({ applied: false, refusal: 'PROJECT_NOT_OPEN_FOR_SPENDING' });
      await rpc.call(FundsRpc.setProjectStatus, { communityRef: community, projectRef: project, status: ProjectStatus.OPEN_FOR_SPENDING });
      const payment = await rpc.call(FundsRpc.pay, {
        header: header(community, { evidence: 'INV-2025-0612' }),
        projectRef: project,
        payee: '珠海不锈钢工程队',
        category: 'works',
        amount: cny('60000.00'),
        split: SplitRule.PRO_RATA,
      });
      expect(payment).toMatchObject({ applied: true });

      statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: project });
      expect(statement).toMatchObject({
        totalSources: '60000.00',
        totalUses: '60000.00',
        totalRemaining: '0.00',
        fundingGap: '1000.00',
        leverage: '11.00',
        balances: true,
        uses: [{ payee: '珠海不锈钢工程队', category: 'works', amount: '60000.00' }],
      });
      expect(statement.sources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ source: FundingSource.SELF_RAISED, received: '55000.00', spent: '55000.00', remaining: '0.00' }),
          expect.objectContaining({ source: FundingSource.HAPPINESS_FUND, received: '5000.00', spent: '5000.00', committed: '0.00' }),
        ]),
      );

      const csv = await rpc.call(FundsRpc.exportStatement, { communityRef: community, kind: StatementKind.SOURCES_AND_USES, format: ExportFormat.CSV, projectRef: project });
      const csvText = new TextDecoder().decode(csv.content);
      expect(csv.fileName).toBe(`sources-and-uses-${project}.csv`);
      expect(csvText).toContain('业主自筹 self-raised,,0.00,55000.00,55000.00,0.00');
      expect(csvText).toContain('资金缺口 funding gap,,1000.00');
      const xlsx = await rpc.call(FundsRpc.exportStatement, { communityRef: community, kind: StatementKind.HAPPINESS_FUND_BUDGET, format: ExportFormat.XLSX, year: 2025 });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(xlsx.content) as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      expect(sheet.getRow(2).values).toEqual([undefined, project, 0, 5000]);
      expect(sheet.getRow(4).getCell(2).value).toBe(145000);

      // The counterparties' accounts show what the district granted and what the contractor was paid.
      const trial = new TextDecoder().decode((await rpc.call(FundsRpc.exportStatement, { communityRef: community, kind: StatementKind.TRIAL_BALANCE, format: ExportFormat.CSV })).content);
      expect(trial).toContain('counterparty.district-finance,区财政,CNY,150000.00,150000.00');
      expect(trial).toMatch(/counterparty\.payee\.[0-9a-f]{16},珠海不锈钢工程队,CNY,60000\.00,60000\.00/);
      expect(trial).toMatch(/合计 total,,CNY,([\d.]+),\1/);

      const pensioner = await rpc.call(FundsRpc.getHouseholdStatement, { communityRef: community, householdRef: 'b45-001' });
      expect(pensioner).toMatchObject({
        totalGiven: '500.00',
        projects: [{ projectRef: project, given: '500.00', unspent: '0.00', payments: [{ payee: '珠海不锈钢工程队', payment: '60000.00', share: '500.00' }] }],
      });
    });

    it('a payment beyond what the project holds is refused', async () => {
      const refused = await ledger.rpc.call(FundsRpc.pay, { header: header(community, { evidence: 'INV-X' }), projectRef: project, payee: 'x', category: 'works', amount: cny('0.01') });
      expect(refused).toMatchObject({ applied: false, refusal: 'EXCEEDS_AVAILABLE' });
    });
  });

  describe('worked example B: playground, New City Center Plaza', () => {
    const community = `nancun-${uuidv7()}`;
    const project = 'playground-b9';

    it('45,000 from the estate fund, 20,000 granted from a 150,000 budget; a later 140,000 request is refused and reserves nothing', async () => {
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, communityName: '南村社区', projectRef: project, nameZh: '儿童游乐设施', estateRef: 'ncc-plaza', cost: cny('65000.00') });
      await rpc.call(FundsRpc.recordEstateFundIncome, { header: header(community), estateRef: 'ncc-plaza', amount: cny('80000.00') });
      await rpc.call(FundsRpc.allocateBudget, { header: header(community), year: 2026, amount: cny('150000.00'), decisionRef: 'street-budget-2026' });
      expect(
        await rpc.call(FundsRpc.commitGrant, { header: header(community), projectRef: project, source: FundingSource.ESTATE_FUND, amount: cny('45000.00'), decisionRef: 'estate-meeting-2026-01' }),
      ).toMatchObject({ applied: true });
      expect(
        await rpc.call(FundsRpc.commitGrant, { header: header(community), projectRef: project, source: FundingSource.HAPPINESS_FUND, year: 2026, amount: cny('20000.00'), decisionRef: 'ballot-2026-01-10' }),
      ).toMatchObject({ applied: true });

      const budget = await rpc.call(FundsRpc.getHappinessFundBudget, { communityRef: community, year: 2026 });
      expect(budget).toMatchObject({ allocated: '150000.00', committed: '20000.00', disbursed: '0.00', available: '130000.00' });
      expect(budget.projects).toEqual([expect.objectContaining({ projectRef: project, committed: '20000.00' })]);

      const tooMuch = await rpc.call(FundsRpc.commitGrant, {
        header: header(community),
        projectRef: project,
        source: FundingSource.HAPPINESS_FUND,
        year: 2026,
        amount: cny('140000.00'),
        decisionRef: 'ballot-2026-03-02',
      });
      expect(tooMuch).toMatchObject({ applied: false, refusal: 'EXCEEDS_CREDITS' });
      expect(await rpc.call(FundsRpc.getHappinessFundBudget, { communityRef: community, year: 2026 })).toMatchObject({ committed: '20000.00', available: '130000.00' });

      const statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: project });
      expect(statement).toMatchObject({ fundingGap: '0.00', leverage: '2.25', inKindValue: '0.00' });

      // The works team's labour for the installation, valued but never mixed with cash.
      await rpc.call(FundsRpc.recordInKind, { header: header(community), projectRef: project, sponsor: 'works-team', description: '安装劳务 installation labour', value: cny('3000.00') });
      const withInKind = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: project });
      expect(withInKind).toMatchObject({ inKindValue: '3000.00', totalSources: statement.totalSources, fundingGap: '0.00' });
      expect(withInKind.inKind).toEqual([expect.objectContaining({ sponsor: 'works-team', value: '3000.00' })]);
    });
  });

  describe('bank reconciliation', () => {
    it('flags exactly the missing, the extra and the amount-mismatched line', async () => {
      const community = `recon-${uuidv7()}`;
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '对账', estateRef: 'e', cost: cny('10000.00') });
      const dated = (evidence: string, effectiveDate: string) => ({ ...header(community, { evidence }), effectiveDate });
      await rpc.call(FundsRpc.allocateBudget, { header: dated('GRANT-2026', '2026-03-01'), year: 2026, amount: cny('150000.00'), decisionRef: 'budget' });
      for (const [receipt, amount, day] of [['R-1', '500.00', '05'], ['R-2', '800.00', '06'], ['R-3', '300.00', '07']] as const) {
        await rpc.call(FundsRpc.contribute, { header: dated(receipt, `2026-03-${day}`), projectRef: 'p', householdRef: `h-${receipt}`, amount: cny(amount), method: PaymentMethod.BANK });
      }
      const csv = [
        'date,amount,reference,description',
        '2026-03-02,150000.00,GRANT-2026,街道拨款',
        '2026-03-05,500.00,R-1,"Zhang, building 45"',
        '2026-03-06,880.00,R-2,transfer',
        '2026-03-31,-15.00,,bank charges',
      ].join('\n');
      const reconciliation = await rpc.call(FundsRpc.importBankStatement, {
        communityRef: community,
        statementRef: 'ICBC-2026-03',
        account: CustodyAccount.COMMUNITY_BANK,
        csv,
        closingBalance: cny('151365.00'),
        statementDate: '2026-03-31',
      });
      expect(reconciliation.lines.map((line) => [line.reference || line.description, line.state])).toEqual([
        ['GRANT-2026', BankLineState.MATCHED],
        ['R-1', BankLineState.MATCHED],
        ['R-2', BankLineState.AMOUNT_MISMATCH],
        ['bank charges', BankLineState.UNMATCHED],
      ]);
      expect(reconciliation.missingFromStatement).toEqual([expect.objectContaining({ evidence: 'R-3', amount: '300.00' })]);
      expect(reconciliation).toMatchObject({ bankBalance: '151365.00', ledgerBalance: '151600.00', difference: '-235.00' });

      const explained = await rpc.call(FundsRpc.resolveBankLine, { communityRef: community, statementRef: 'ICBC-2026-03', line: 4, explanation: '银行手续费 bank charges' });
      expect(explained.lines[3]).toMatchObject({ state: BankLineState.EXPLAINED });
    });

    it('refuses a statement with bad lines, naming each of them', async () => {
      const community = `recon-bad-${uuidv7()}`;
      await ledger.rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '对账', cost: cny('1.00') });
      const failure = ledger.rpc.call(FundsRpc.importBankStatement, {
        communityRef: community,
        statementRef: 'bad',
        csv: 'date,amount,reference\n2026-3-1,10.00,x\n2026-03-02,ten,y',
        closingBalance: cny('0.00'),
        statementDate: '2026-03-31',
      });
      await expect(failure).rejects.toMatchObject({ violations: [{ field: 'csv', reason: expect.stringMatching(/line 1: date.*line 2: amount "ten"/) }] });
    });
  });

  describe('dates', () => {
    it('are refused when the calendar has no such day: an operation’s date, a bank statement’s date and its lines’', async () => {
      const community = `bad-date-${uuidv7()}`;
      const payment = ledger.rpc.call(FundsRpc.pay, { header: { ...header(community), effectiveDate: '2026-02-30' }, projectRef: 'p', payee: 'x', category: 'works', amount: cny('1.00') });
      await expect(payment).rejects.toMatchObject({ violations: [{ field: 'header.effective_date', reason: expect.stringMatching(/YYYY-MM-DD/) }] });
      await ledger.rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '日期', cost: cny('1.00') });
      const bankStatement = (statementDate: string, line: string) =>
        ledger.rpc.call(FundsRpc.importBankStatement, { communityRef: community, statementRef: 's', csv: `date,amount,reference\n${line}`, closingBalance: cny('0.00'), statementDate });
      await expect(bankStatement('2026-02-29', '2026-02-28,10.00,x')).rejects.toMatchObject({ violations: [{ field: 'statement_date', reason: expect.stringMatching(/YYYY-MM-DD/) }] });
      await expect(bankStatement('2026-03-31', '2026-02-30,10.00,x')).rejects.toMatchObject({ violations: [{ field: 'csv', reason: expect.stringMatching(/line 1: date/) }] });
    });
  });

  describe('statements as of a date', () => {
    it('show the project, the budget and a household as they stood at the end of a past day', async () => {
      const community = `asof-${uuidv7()}`;
      const rpc = ledger.rpc;
      const dated = (evidence: string, effectiveDate: string) => ({ ...header(community, { evidence }), effectiveDate });
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '按日', estateRef: 'e', cost: cny('1500.00') });
      await rpc.call(FundsRpc.allocateBudget, { header: dated('B', '2026-01-02'), year: 2026, amount: cny('1000.00'), decisionRef: 'budget' });
      await rpc.call(FundsRpc.contribute, { header: dated('R-1', '2026-03-05'), projectRef: 'p', householdRef: 'h1', amount: cny('600.00'), method: PaymentMethod.BANK });
      const grant = dated('G', '2026-04-01');
      await rpc.call(FundsRpc.commitGrant, { header: grant, projectRef: 'p', source: FundingSource.HAPPINESS_FUND, year: 2026, amount: cny('400.00'), decisionRef: 'ballot' });
      await rpc.call(FundsRpc.disburse, { header: dated('D', '2026-05-10'), commitmentId: grant.operationId });
      await rpc.call(FundsRpc.setProjectStatus, { communityRef: community, projectRef: 'p', status: ProjectStatus.OPEN_FOR_SPENDING });
      await rpc.call(FundsRpc.pay, { header: dated('INV', '2026-06-20'), projectRef: 'p', payee: 'works', category: 'works', amount: cny('1000.00') });

      const march = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'p', asOfDate: '2026-03-31' });
      expect(march).toMatchObject({ totalSources: '600.00', totalUses: '0.00', fundingGap: '900.00', balances: true });
      const april = await rpc.call(FundsRpc.getHappinessFundBudget, { communityRef: community, year: 2026, asOfDate: '2026-04-30' });
      expect(april).toMatchObject({ allocated: '1000.00', committed: '400.00', disbursed: '0.00', available: '600.00', projects: [{ projectRef: 'p', committed: '400.00', disbursed: '0.00' }] });
      const may = await rpc.call(FundsRpc.getHappinessFundBudget, { communityRef: community, year: 2026, asOfDate: '2026-05-31' });
      expect(may).toMatchObject({ committed: '0.00', disbursed: '400.00', available: '600.00', projects: [{ projectRef: 'p', committed: '0.00', disbursed: '400.00' }] });
      expect(await rpc.call(FundsRpc.getHouseholdStatement, { communityRef: community, householdRef: 'h1', asOfDate: '2026-05-31' })).toMatchObject({
        projects: [{ given: '600.00', unspent: '600.00', payments: [] }],
      });
      expect(await rpc.call(FundsRpc.getHouseholdStatement, { communityRef: community, householdRef: 'h1' })).toMatchObject({
        projects: [{ given: '600.00', unspent: '0.00', payments: [{ share: '600.00' }] }],
      });
      expect(await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'p' })).toMatchObject({ totalUses: '1000.00', totalRemaining: '0.00' });
    });
  });

  describe('levies', () => {
    it('150 per occupied and 100 per vacant household: receivables, partial payments, arrears', async () => {
      const community = `levy-${uuidv7()}`;
      const rpc = ledger.rpc;
      const roster = [
        { householdRef: '9-101', type: HouseholdType.OCCUPIED },
        { householdRef: '9-102', type: HouseholdType.VACANT },
        { householdRef: '9-201', type: HouseholdType.OCCUPIED },
        { householdRef: '9-202', type: HouseholdType.VACANT },
      ];
      const levy = await rpc.call(FundsRpc.createLevy, {
        header: header(community),
        levyRef: 'green-care-2026',
        nameZh: '绿化养护费',
        basis: LevyBasis.HOUSEHOLD_TYPE,
        occupiedRate: cny('150.00'),
        vacantRate: cny('100.00'),
        households: roster,
        decisionRef: 'estate-meeting-2026-02',
      });
      expect(levy).toMatchObject({ applied: true, totalDue: '500.00', households: 4 });

      const pay = (householdRef: string, amount: string) =>
        rpc.call(FundsRpc.payLevy, { header: header(community, { evidence: `L-${householdRef}` }), levyRef: 'green-care-2026', householdRef, amount: cny(amount), method: PaymentMethod.BANK });
      expect(await pay('9-101', '150.00')).toMatchObject({ applied: true });
      expect(await pay('9-102', '40.00')).toMatchObject({ applied: true });
      expect(await pay('9-201', '200.00')).toMatchObject({ applied: false, refusal: 'EXCEEDS_DEBITS' });

      expect(await rpc.call(FundsRpc.getLevyArrears, { communityRef: community, levyRef: 'green-care-2026' })).toMatchObject({
        totalDue: '500.00',
        totalPaid: '190.00',
        arrears: [
          { householdRef: '9-201', due: '150.00', paid: '0.00', outstanding: '150.00' },
          { householdRef: '9-202', due: '100.00', paid: '0.00', outstanding: '100.00' },
          { householdRef: '9-102', due: '100.00', paid: '40.00', outstanding: '60.00' },
        ],
      });
    });
  });

  describe('levies by floor area and equal shares', () => {
    it('charge each household its area times the rate, rounded to the fen, or the same amount', async () => {
      const community = `levy-area-${uuidv7()}`;
      const rpc = ledger.rpc;
      const byArea = await rpc.call(FundsRpc.createLevy, {
        header: header(community),
        levyRef: 'lift-repair-2026',
        nameZh: '电梯维修分摊',
        basis: LevyBasis.FLOOR_AREA,
        ratePerSquareMetre: cny('1.35'),
        households: [
          { householdRef: '3-101', floorArea: '86.5' },
          { householdRef: '3-102', floorArea: '72.33' },
        ],
      });
      // 86.5 × 1.35 = 116.775 → 116.78; 72.33 × 1.35 = 97.6455 → 97.65.
      expect(byArea).toMatchObject({ applied: true, totalDue: '214.43', households: 2 });
      const equal = await rpc.call(FundsRpc.createLevy, { header: header(community), levyRef: 'clean-up', nameZh: '清洁', basis: LevyBasis.EQUAL, equalAmount: cny('20.00'), households: [{ householdRef: '3-101' }, { householdRef: '3-102' }] });
      expect(equal).toMatchObject({ applied: true, totalDue: '40.00' });
      await expect(
        rpc.call(FundsRpc.createLevy, { header: header(community), levyRef: 'bad', nameZh: 'x', basis: LevyBasis.FLOOR_AREA, ratePerSquareMetre: cny('1.00'), households: [{ householdRef: '3-103', floorArea: 'big' }] }),
      ).rejects.toMatchObject({ violations: [{ field: 'households[0].floor_area', reason: expect.stringMatching(/square metres/) }] });
    });
  });

  describe('payments split across sources, and refunds on closing', () => {
    it('a payment over four sources adds up to the fen; closing refunds the households pro rata, also to the fen', async () => {
      const community = `four-${uuidv7()}`;
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'railing-380m', nameZh: '380米护栏', estateRef: 'e', cost: cny('10.00') });
      await rpc.call(FundsRpc.recordEstateFundIncome, { header: header(community), estateRef: 'e', amount: cny('1.00') });
      await rpc.call(FundsRpc.allocateBudget, { header: header(community), year: 2026, amount: cny('1.00'), decisionRef: 'budget' });
      for (const household of ['h1', 'h2', 'h3']) {
        await rpc.call(FundsRpc.contribute, { header: header(community, { evidence: `R-${household}` }), projectRef: 'railing-380m', householdRef: household, amount: cny('1.00'), method: PaymentMethod.BANK });
      }
      for (const source of [FundingSource.ESTATE_FUND, FundingSource.HAPPINESS_FUND]) {
        const commitment = header(community);
        await rpc.call(FundsRpc.commitGrant, { header: commitment, projectRef: 'railing-380m', source, year: 2026, amount: cny('1.00'), decisionRef: 'ballot' });
        await rpc.call(FundsRpc.disburse, { header: header(community), commitmentId: commitment.operationId });
      }
      await rpc.call(FundsRpc.contributeAsCoSponsor, { header: header(community), projectRef: 'railing-380m', sponsor: 'fire-brigade', amount: cny('1.00') });
      await rpc.call(FundsRpc.setProjectStatus, { communityRef: community, projectRef: 'railing-380m', status: ProjectStatus.OPEN_FOR_SPENDING });

      // 1.01 over self-raised 3.00, estate 1.00, grant 1.00, co-sponsor 1.00: exact parts 0.505 and 0.168…;
      // the largest remainders take the odd fen: 0.50 + 0.17 + 0.17 + 0.17.
      expect(await rpc.call(FundsRpc.pay, { header: header(community, { evidence: 'INV-1' }), projectRef: 'railing-380m', payee: 'works team', category: 'works', amount: cny('1.01') })).toMatchObject({ applied: true });
      const statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'railing-380m' });
      expect(statement.sources.map((source) => source.spent).sort()).toEqual(['0.17', '0.17', '0.17', '0.50']);
      expect(statement).toMatchObject({ totalUses: '1.01', totalRemaining: '4.99', balances: true });

      // Self-raised left: 2.50 → back to three households who gave 1.00 each. Each gets exactly what of
      // its money was not spent: h1 and h2 carried the odd fen of the payment (0.17), h3 did not (0.16).
      const closing = await rpc.call(FundsRpc.closeProject, { header: header(community), projectRef: 'railing-380m', surplus: SurplusRule.REFUND_CONTRIBUTORS });
      expect(closing).toMatchObject({ applied: true, refusal: '' });
      expect(closing.refunds.map((refund) => [refund.householdRef, refund.amount])).toEqual([['h1', '0.83'], ['h2', '0.83'], ['h3', '0.84']]);
      const closed = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'railing-380m' });
      expect(closed.totalRemaining).toBe('0.00');
      const h1 = await rpc.call(FundsRpc.getHouseholdStatement, { communityRef: community, householdRef: 'h1' });
      expect(h1.projects[0]).toMatchObject({ given: '1.00', refunded: '0.83', unspent: '0.00', payments: [expect.objectContaining({ share: '0.17' })] });
      expect(await rpc.call(FundsRpc.contribute, { header: header(community, { evidence: 'late' }), projectRef: 'railing-380m', householdRef: 'h4', amount: cny('1.00'), method: PaymentMethod.CASH })).toMatchObject({
        applied: false,
        refusal: 'PROJECT_CLOSED',
      });
    });

    it('a refund that does not divide evenly still adds up to the fen', async () => {
      const community = `uneven-${uuidv7()}`;
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '退款', estateRef: 'e', cost: cny('1.00') });
      for (const household of ['h1', 'h2', 'h3']) {
        await rpc.call(FundsRpc.contribute, { header: header(community, { evidence: household }), projectRef: 'p', householdRef: household, amount: cny('1.00'), method: PaymentMethod.BANK });
      }
      await rpc.call(FundsRpc.setProjectStatus, { communityRef: community, projectRef: 'p', status: ProjectStatus.OPEN_FOR_SPENDING });
      await rpc.call(FundsRpc.pay, { header: header(community, { evidence: 'INV' }), projectRef: 'p', payee: 'q', category: 'works', amount: cny('2.00') });
      const closing = await rpc.call(FundsRpc.closeProject, { header: header(community), projectRef: 'p', surplus: SurplusRule.REFUND_CONTRIBUTORS });
      // 2.00 spent over three equal gifts: 0.67, 0.67, 0.66; what is left goes back the same way.
      expect(closing.refunds.map((refund) => refund.amount)).toEqual(['0.33', '0.33', '0.34']);
    });

    it('a pledge is reserved until fulfilled, then counts as the household’s contribution', async () => {
      const community = `pledge-${uuidv7()}`;
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '认捐', estateRef: 'e', cost: cny('1000.00') });
      const pledge = header(community);
      expect(
        await rpc.call(FundsRpc.pledge, { header: pledge, projectRef: 'p', householdRef: 'h9', amount: cny('300.00'), expiresAt: timestampFromDate(new Date(Date.now() + 86_400_000)) }),
      ).toMatchObject({ applied: true });
      let statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'p' });
      expect(statement.sources[0]).toMatchObject({ committed: '300.00', received: '0.00' });
      expect(statement.fundingGap).toBe('700.00');
      const fulfilment = await rpc.call(FundsRpc.disburse, { header: header(community), commitmentId: pledge.operationId });
      expect(fulfilment).toMatchObject({ applied: true, receiptCode: expect.stringMatching(/^R-/) });
      statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'p' });
      expect(statement.sources[0]).toMatchObject({ committed: '0.00', received: '300.00' });
      expect(await rpc.call(FundsRpc.getHouseholdStatement, { communityRef: community, householdRef: 'h9' })).toMatchObject({ totalGiven: '300.00' });
    });

    it('add up to the fen across three sources for an amount that does not divide evenly', async () => {
      const community = `split-${uuidv7()}`;
      const rpc = ledger.rpc;
      await rpc.call(FundsRpc.openProject, { communityRef: community, projectRef: 'p', nameZh: '分摊', estateRef: 'e', cost: cny('3.00') });
      await rpc.call(FundsRpc.recordEstateFundIncome, { header: header(community), estateRef: 'e', amount: cny('1.00') });
      await rpc.call(FundsRpc.allocateBudget, { header: header(community), year: 2026, amount: cny('1.00'), decisionRef: 'b' });
      await rpc.call(FundsRpc.contribute, { header: header(community, { evidence: 'R-1' }), projectRef: 'p', householdRef: 'h1', amount: cny('1.00'), method: PaymentMethod.BANK });
      for (const source of [FundingSource.ESTATE_FUND, FundingSource.HAPPINESS_FUND]) {
        const commitment = header(community);
        await rpc.call(FundsRpc.commitGrant, { header: commitment, projectRef: 'p', source, year: 2026, amount: cny('1.00'), decisionRef: 'ballot' });
        await rpc.call(FundsRpc.disburse, { header: header(community), commitmentId: commitment.operationId });
      }
      await rpc.call(FundsRpc.setProjectStatus, { communityRef: community, projectRef: 'p', status: ProjectStatus.OPEN_FOR_SPENDING });
      const payment = await rpc.call(FundsRpc.pay, { header: header(community, { evidence: 'INV' }), projectRef: 'p', payee: 'q', category: 'works', amount: cny('1.00') });
      expect(payment.applied).toBe(true);
      const statement = await rpc.call(FundsRpc.getSourcesAndUses, { communityRef: community, projectRef: 'p' });
      expect(statement).toMatchObject({ totalUses: '1.00', totalRemaining: '2.00', balances: true });
      expect(statement.sources.map((source) => source.spent).sort()).toEqual(['0.33', '0.33', '0.34']);
    });
  });
});
