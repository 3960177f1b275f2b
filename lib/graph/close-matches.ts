// "Close matches" for a name nothing provides, chosen as BitBake chooses them (difflib's
// get_close_matches: at most three, similarity ratio at least 0.7, best first), so a typo gets
// the same hints in bake as in BitBake.

/** Characters of the matching blocks of `a` and `b` (Ratcliff/Obershelp, as Python's SequenceMatcher without junk). */
function matchingCharacters(a: string, b: string): number {
  const positions = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    const list = positions.get(b[j]!);
    if (list) list.push(j);
    else positions.set(b[j]!, [j]);
  }
  // The longest common block in a[alo:ahi], b[blo:bhi]: earliest in a, then earliest in b.
  const longest = (alo: number, ahi: number, blo: number, bhi: number): [number, number, number] => {
    let best: [number, number, number] = [alo, blo, 0];
    let runs = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of positions.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (runs.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > best[2]) best = [i - k + 1, j - k + 1, k];
      }
      runs = next;
    }
    return best;
  };
  let total = 0;
  const queue: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (k === 0) continue;
    total += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return total;
}

/** Python's SequenceMatcher(None, a, b).ratio(). */
export function similarity(a: string, b: string): number {
  const length = a.length + b.length;
  return length === 0 ? 1 : (2 * matchingCharacters(a, b)) / length;
}

/** difflib.get_close_matches(word, candidates, n, cutoff): best first, ties by the larger name first. */
export function closeMatches(word: string, candidates: Iterable<string>, n = 3, cutoff = 0.7): string[] {
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    const score = similarity(c, word);
    if (score >= cutoff) scored.push([score, c]);
  }
  scored.sort((x, y) => y[0] - x[0] || (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0));
  return scored.slice(0, n).map(([, c]) => c);
}
