import { createHash } from 'node:crypto';

import { FundingSource } from '@yishi/contracts';

import type { Side } from '../entries/entry.model';
import type { AccountKindName } from '../wire';

/** One account of a community's standard chart. */
export interface ChartAccount {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly kind: AccountKindName;
  readonly normalSide: Side;
  /** Cash cannot go below zero, funds cannot be spent below zero. */
  readonly noOverdraft: boolean;
  readonly references: { readonly estate?: string; readonly project?: string; readonly organisation?: string };
}

const custody = (code: string, nameZh: string, nameEn: string, references: ChartAccount['references'] = {}): ChartAccount => ({
  code,
  nameZh,
  nameEn,
  kind: 'custody',
  normalSide: 'debit',
  noOverdraft: true,
  references,
});

const counterparty = (code: string, nameZh: string, nameEn: string): ChartAccount => ({
  code,
  nameZh,
  nameEn,
  kind: 'counterparty',
  normalSide: 'debit',
  noOverdraft: false,
  references: {},
});

const fund = (code: string, nameZh: string, nameEn: string, references: ChartAccount['references'] = {}): ChartAccount => ({
  code,
  nameZh,
  nameEn,
  kind: 'fund',
  normalSide: 'credit',
  noOverdraft: true,
  references,
});

export const SOURCE_CODES: Record<Exclude<FundingSource, FundingSource.UNSPECIFIED>, string> = {
  [FundingSource.SELF_RAISED]: 'self-raised',
  [FundingSource.ESTATE_FUND]: 'estate-fund',
  [FundingSource.HAPPINESS_FUND]: 'happiness-fund',
  [FundingSource.CO_SPONSOR]: 'co-sponsor',
};

const SOURCE_NAMES: Record<Exclude<FundingSource, FundingSource.UNSPECIFIED>, [string, string]> = {
  [FundingSource.SELF_RAISED]: ['业主自筹', 'self-raised'],
  [FundingSource.ESTATE_FUND]: ['小区公共基金', 'estate public fund'],
  [FundingSource.HAPPINESS_FUND]: ['幸福资金补助', 'happiness-fund grant'],
  [FundingSource.CO_SPONSOR]: ['共建单位出资', 'co-sponsor'],
};

/** The standard chart: where money is (custody) and what it is for (funds). */
export const Chart = {
  communityBank: (): ChartAccount => custody('custody.bank', '社区银行账户', 'Community bank account'),
  onlineCollection: (): ChartAccount => custody('custody.online', '线上收款', 'Online collection'),
  fundraisingCash: (project: string): ChartAccount => custody(`custody.fundraising.${project}`, '筹备小组现金', 'Fundraising group cash', { project }),
  ownersCommittee: (estate: string): ChartAccount => custody(`custody.owners-committee.${estate}`, '业委会账户', "Owners' committee account", { estate }),
  happinessFund: (year: number): ChartAccount => fund(`fund.happiness.${year}`, `${year}年社区幸福资金`, `Happiness fund ${year}`),
  estateFund: (estate: string): ChartAccount => fund(`fund.estate.${estate}`, '小区公共基金', 'Estate public fund', { estate }),
  districtFinance: (): ChartAccount => counterparty('counterparty.district-finance', '区财政', 'District finance'),
  /** Whoever the community pays; named by a digest of the payee's name so any name fits a code. */
  payee: (name: string): ChartAccount =>
    counterparty(`counterparty.payee.${createHash('sha256').update(name).digest('hex').slice(0, 16)}`, name, name),
  levyFund: (levy: string): ChartAccount => fund(`fund.levy.${levy}`, '分摊费用', 'Levy income', {}),
  /** What one household owes for one levy; it cannot be paid beyond what is due. */
  levyReceivable: (levy: string, household: string): ChartAccount => ({
    code: `counterparty.household.${household}.levy.${levy}`,
    nameZh: '住户应缴分摊费用',
    nameEn: 'Household levy receivable',
    kind: 'counterparty',
    normalSide: 'debit',
    noOverdraft: true,
    references: {},
  }),
  /** Memo book: in-kind value a project received, and who gave it. Never cash. */
  inKindReceived: (project: string): ChartAccount => ({
    code: `memo.project.${project}.in-kind`,
    nameZh: '项目实物/劳务价值',
    nameEn: 'In-kind value received',
    kind: 'memo',
    normalSide: 'debit',
    noOverdraft: false,
    references: { project },
  }),
  inKindGiver: (sponsor: string): ChartAccount => ({
    code: `memo.in-kind.${sponsor}`,
    nameZh: '实物/劳务提供方',
    nameEn: 'In-kind giver',
    kind: 'memo',
    normalSide: 'credit',
    noOverdraft: false,
    references: { organisation: sponsor },
  }),
  projectFund: (project: string, source: Exclude<FundingSource, FundingSource.UNSPECIFIED>, sponsor = ''): ChartAccount => {
    const [zh, en] = SOURCE_NAMES[source];
    const suffix = sponsor ? `.${sponsor}` : '';
    return fund(`fund.project.${project}.${SOURCE_CODES[source]}${suffix}`, `项目资金：${zh}`, `Project money: ${en}`, {
      project,
      ...(sponsor ? { organisation: sponsor } : {}),
    });
  },
};

/** The project fund accounts' code prefix, for statements. */
export const projectFundPrefix = (project: string): string => `fund.project.${project}.`;
