import { useI18n } from '../i18n';

interface Diff {
  appliesTo: readonly string[];
  tiers: readonly { tierKey: string; change: string; lines: readonly string[] }[];
}

/** What changed between two documents, a line per change, old values struck through. */
export function DiffList({ diff }: { diff: Diff }) {
  const { t } = useI18n();
  const changed = diff.tiers.filter((tier) => tier.change !== 'UNCHANGED');
  return (
    <ul className="diff-lines">
      {diff.appliesTo.map((line) => (
        <li key={line}>
          <DiffLine line={line} />
        </li>
      ))}
      {changed.map((tier) =>
        tier.lines.map((line) => (
          <li key={`${tier.tierKey}:${line}`} data-tier={tier.tierKey}>
            <span className="key">{tier.tierKey}</span> <span className="change">{t.change[tier.change]}</span> <DiffLine line={line} />
          </li>
        )),
      )}
      {diff.appliesTo.length === 0 && changed.length === 0 && <li>{t.noChanges}</li>}
    </ul>
  );
}

/** "rule: a → b" as "rule: <del>a</del> → <ins>b</ins>". */
function DiffLine({ line }: { line: string }) {
  const colon = line.indexOf(': ');
  const arrow = line.indexOf(' → ');
  if (colon < 0 || arrow < colon) return <>{line}</>;
  return (
    <>
      {line.slice(0, colon + 2)}
      <del>{line.slice(colon + 2, arrow)}</del> → <ins>{line.slice(arrow + 3)}</ins>
    </>
  );
}
