// Code analysis results keyed by the code's text. Recipes share most function bodies (every class
// function appears in every recipe that inherits the class), so each body is analysed once per
// process, as BitBake's codeparser cache does. Results are immutable; analysis errors are not kept,
// so a bad body throws every time it is met.

const LIMIT = 20000;

export function memoizeByText<V>(analyse: (text: string) => V): (text: string) => V {
  const cache = new Map<string, V>();
  return (text) => {
    let found = cache.get(text);
    if (found === undefined) {
      found = analyse(text);
      if (cache.size >= LIMIT) cache.clear();
      cache.set(text, found);
    }
    return found;
  };
}
