import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

const en = {
  appName: 'Strata console',
  signInTitle: 'Sign in',
  signInHelp: 'Paste an API key. It stays in this browser tab only and is sent with each request.',
  apiKey: 'API key',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as',
  roles: 'Roles',
  programs: 'Programs',
  programsHelp: 'Every tier program, with how many customers each tier holds now.',
  version: 'Version',
  notPublished: 'not published yet',
  retired: 'retired',
  customers: 'customers',
  tier: 'Tier',
  count: 'Customers',
  share: 'Share',
  noTier: 'no tier',
  loading: 'Loading…',
  retry: 'Try again',
  language: 'Language',
  readOnly: 'Read only: this key may view, not change.',
  keyRefused: 'Strata refused this API key: it is unknown, expired or revoked. Sign in with a valid key.',
  unreachable: 'Strata could not be reached:',
  noSuchProgram: 'There is no program with this key.',
  ladder: 'Ladder',
  rank: 'Rank',
  rule: 'Who earns it',
  entitlements: 'What it gives',
  retierJob: 'Latest re-tier',
  jobStatus: { PENDING: 'waiting', RUNNING: 'running', DONE: 'done', SUPERSEDED: 'superseded by a later job' } as Record<string, string>,
  changed: 'moved to another tier',
  versions: 'Versions',
  inForce: 'in force',
  publishedBy: 'published by',
  approvedBy: 'approved by',
  rollbackTo: (version: number) => `Roll back to v${version}`,
  rollbackConfirm: (version: number, program: string) => `Publish v${version}'s rules again for ${program}? Every customer is re-tiered.`,
  diffTo: (version: number) => `Changes from v${version}`,
  change: { ADDED: 'added', REMOVED: 'removed', CHANGED: 'changed', UNCHANGED: 'unchanged' } as Record<string, string>,
  noChanges: 'No changes.',
  openDraft: 'Open a draft',
  continueDraft: 'Continue the open draft',
  noSuchDraft: 'There is no draft with this id.',
  draftOf: 'Draft of',
  draftStatus: { EDITING: 'being edited', SUBMITTED: 'submitted for approval', APPROVED: 'approved, ready to publish', PUBLISHED: 'published', DISCARDED: 'discarded' } as Record<string, string>,
  revision: 'revision',
  basedOn: 'based on',
  lastEditedBy: 'last edited by',
  submit: 'Submit for approval',
  approve: 'Approve',
  publish: 'Publish',
  fixBeforeSubmit: 'Fix the problems below to submit.',
  validation: 'Validation',
  noProblems: 'No problems found.',
  testCases: 'Test cases',
  passing: 'passing',
  staleRevision: 'Someone else saved this draft since you opened it; your edits are still here. Reload to see theirs.',
  saveTier: 'Save tier',
  all: 'all of',
  any: 'any of',
  impact: 'Impact on customers',
  simulating: 'Simulating over every customer…',
  of: 'of',
  customersMove: 'customers would change tier',
  simulatedIn: 'simulated in',
  nowTo: 'now ↓ / with the draft →',
  notCovered: 'not in the program',
  gained: 'Gained',
  lost: 'Lost',
  forExample: 'For example',
  yes: 'yes',
  no: 'no',
};

type Labels = typeof en;

const zh: Labels = {
  appName: 'Strata 控制台',
  signInTitle: '登录',
  signInHelp: '粘贴 API 密钥。密钥只保存在当前浏览器标签页中，并随每个请求发送。',
  apiKey: 'API 密钥',
  signIn: '登录',
  signOut: '退出',
  signedInAs: '当前身份',
  roles: '角色',
  programs: '分层方案',
  programsHelp: '所有分层方案，以及每个层级当前的客户数量。',
  version: '版本',
  notPublished: '尚未发布',
  retired: '已停用',
  customers: '位客户',
  tier: '层级',
  count: '客户数',
  share: '占比',
  noTier: '未分层',
  loading: '加载中…',
  retry: '重试',
  language: '语言',
  readOnly: '只读：此密钥只能查看，不能修改。',
  keyRefused: 'Strata 拒绝了此 API 密钥：密钥不存在、已过期或已被吊销。请使用有效的密钥登录。',
  unreachable: '无法连接 Strata：',
  noSuchProgram: '没有此键值的分层方案。',
  ladder: '层级阶梯',
  rank: '等级',
  rule: '准入条件',
  entitlements: '权益',
  retierJob: '最近一次重新分层',
  jobStatus: { PENDING: '等待中', RUNNING: '进行中', DONE: '已完成', SUPERSEDED: '已被后续任务取代' },
  changed: '位层级变化',
  versions: '版本',
  inForce: '生效中',
  publishedBy: '发布人',
  approvedBy: '审批人',
  rollbackTo: (version) => `回滚到 v${version}`,
  rollbackConfirm: (version, program) => `重新发布 ${program} 的 v${version} 规则？所有客户将重新分层。`,
  diffTo: (version) => `相对 v${version} 的变更`,
  change: { ADDED: '新增', REMOVED: '删除', CHANGED: '修改', UNCHANGED: '未变' },
  noChanges: '无变更。',
  openDraft: '新建草稿',
  continueDraft: '继续编辑未完成的草稿',
  noSuchDraft: '没有此编号的草稿。',
  draftOf: '草稿：',
  draftStatus: { EDITING: '编辑中', SUBMITTED: '已提交审批', APPROVED: '已审批，可发布', PUBLISHED: '已发布', DISCARDED: '已放弃' },
  revision: '修订',
  basedOn: '基于',
  lastEditedBy: '最后编辑人',
  submit: '提交审批',
  approve: '批准',
  publish: '发布',
  fixBeforeSubmit: '请先修正下列问题再提交。',
  validation: '校验',
  noProblems: '未发现问题。',
  testCases: '测试用例',
  passing: '通过',
  staleRevision: '您打开草稿后已有他人保存；您的修改仍保留在此。重新加载可查看他人的修改。',
  saveTier: '保存层级',
  all: '全部满足',
  any: '任一满足',
  impact: '对客户的影响',
  simulating: '正在对所有客户进行模拟…',
  of: '/',
  customersMove: '位客户的层级将变化',
  simulatedIn: '模拟耗时',
  nowTo: '当前 ↓ / 草稿 →',
  notCovered: '不在方案内',
  gained: '获得',
  lost: '失去',
  forExample: '例如',
  yes: '是',
  no: '否',
};

export type Language = 'en' | 'zh-CN';
const LABELS: Record<Language, Labels> = { en, 'zh-CN': zh };
const STORAGE = 'strata.language';

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Labels;
  number: (n: number) => string;
  percent: (share: number) => string;
}

const I18nContext = createContext<I18n | null>(null);

/** Labels in English or Simplified Chinese, the choice remembered per browser; numbers formatted for it. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setStored] = useState<Language>(() => (localStorage.getItem(STORAGE) === 'zh-CN' ? 'zh-CN' : 'en'));
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(() => {
    const numbers = new Intl.NumberFormat(language);
    const percents = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
    return {
      language,
      setLanguage: (next) => {
        localStorage.setItem(STORAGE, next);
        setStored(next);
      },
      t: LABELS[language],
      number: (n) => numbers.format(n),
      percent: (share) => percents.format(share),
    };
  }, [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
