/**
 * "Did you mean" for names a user typed: candidates ranked by how close they are, so an error can name
 * the likely intended one first and still list every valid one.
 */

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive and ignoring
 * spaces, so `Tga` is 1 from `Tag`, `lastmodifieddate` 0 from `Last Modified Date`.
 */
export function editDistance(a: string, b: string): number {
  const s = normalise(a);
  const t = normalise(b);
  if (s === t) return 0;
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  let previous2: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) value = Math.min(value, previous2[j - 2]! + 1);
      current.push(value);
    }
    previous2 = previous;
    previous = current;
  }
  return previous[t.length]!;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, '');
}

export interface RankedCandidate {
  candidate: string;
  distance: number;
  /** Near enough to suggest ("did you mean"). */
  close: boolean;
}

/**
 * Every candidate: the close ones first, closest first, then the others in their own order (a list
 * the user can scan, e.g. the catalogue's). A candidate is close when its
 * distance is at most a third of the longer name (at least 1, at most 3), or when one name contains the
 * other (`Modified` for `Last Modified Date`).
 */
export function rankCandidates(input: string, candidates: readonly string[]): RankedCandidate[] {
  const typed = normalise(input);
  return candidates
    .map((candidate, order) => {
      const distance = editDistance(input, candidate);
      const name = normalise(candidate);
      const limit = Math.min(3, Math.max(1, Math.floor(Math.max(typed.length, name.length) / 3)));
      const contains = typed.length >= 3 && (name.includes(typed) || typed.includes(name));
      return { candidate, distance, close: distance <= limit || contains, order };
    })
    .sort((a, b) => Number(b.close) - Number(a.close) || (a.close ? a.distance - b.distance : 0) || a.order - b.order)
    .map(({ candidate, distance, close }) => ({ candidate, distance, close }));
}

/** The close candidates, closest first. */
export function closeMatches(input: string, candidates: readonly string[]): string[] {
  return rankCandidates(input, candidates)
    .filter((ranked) => ranked.close)
    .map((ranked) => ranked.candidate);
}

/**
 * `did you mean "Tag"? Valid parameters: "Tag", "Contact Type", ...`: the close matches first, then the rest.
 */
export function suggestionText(input: string, candidates: readonly string[], what: string): string {
  const ranked = rankCandidates(input, candidates);
  const close = ranked.filter((entry) => entry.close).map((entry) => `"${entry.candidate}"`);
  const all = ranked.map((entry) => `"${entry.candidate}"`).join(', ');
  const hint = close.length > 0 ? `did you mean ${close.slice(0, 3).join(' or ')}? ` : '';
  return `${hint}Valid ${what}: ${all || 'none'}.`;
}
