/**
 * Which listener rule of an Application Load Balancer takes a request first, and so which rule can never get one.
 *
 * ALB semantics (Elastic Load Balancing, "Listener rules", conditions `path-pattern` and `host-header`): rules are
 * evaluated from the lowest priority number up, the first rule whose conditions all match takes the request, and the
 * listener's default action gets what no rule takes. In a pattern `*` matches any sequence of characters (also none)
 * and `?` exactly one; every other character matches itself. Path patterns are case-sensitive and match the path
 * only (never the query string), which always starts with `/`; host patterns are not case-sensitive. A rule without
 * a path condition matches every path, one without a host condition every host.
 *
 * No maintained glob library decides whether one pattern's matches are all matches of another (picomatch, minimatch
 * and micromatch match strings against a pattern), so the rule is implemented here exactly: pattern A covers pattern
 * B when every string B matches, A matches too. Both are small automata; {@link patternCovers} walks them together.
 */

/** A listener rule's conditions and priority, as `AlbRuleRoute` and an environment file's route give them. */
export interface RouteConditions {
  /** Host header patterns; none: every host. */
  readonly hosts?: readonly string[];
  /** Path patterns; none: every path. */
  readonly paths?: readonly string[];
  /** Lower is evaluated first. */
  readonly priority: number;
}

/** One pattern of a later rule that an earlier rule takes first. */
export interface ShadowedPattern {
  /** The later rule's path pattern, or undefined when it has no path condition (every path). */
  readonly path?: string;
  /** The earlier rule's path pattern that covers it, or undefined when the earlier rule has no path condition. */
  readonly coveredBy?: string;
}

/** What every path matches: ALB paths start with `/`. */
export const EVERY_PATH = "/*";

/** States of a pattern's automaton after epsilon moves: a `*` may match nothing. */
function closure(pattern: string, states: Iterable<number>): Set<number> {
  const result = new Set<number>();
  for (let state of states) {
    result.add(state);
    while (state < pattern.length && pattern[state] === "*") result.add(++state);
  }
  return result;
}

/** The states after reading one character (`null`: a character that appears in neither pattern). */
function step(pattern: string, states: ReadonlySet<number>, char: string | null): Set<number> {
  const next: number[] = [];
  for (const state of states) {
    if (state >= pattern.length) continue;
    const token = pattern[state];
    if (token === "*") next.push(state);
    else if (token === "?" || token === char) next.push(state + 1);
  }
  return closure(pattern, next);
}

const key = (states: ReadonlySet<number>): string => [...states].sort((a, b) => a - b).join(",");

/**
 * Whether `outer` matches every string `inner` matches (`*` any sequence, `?` one character). Exact: both patterns
 * run as automata over the characters they name plus one that stands for every other character (no pattern can tell
 * two unnamed characters apart), and a string that reaches the end of `inner` but not of `outer` disproves coverage.
 *
 * @param caseSensitive false for host patterns (compared lower-cased)
 */
export function patternCovers(outer: string, inner: string, caseSensitive = true): boolean {
  const a = caseSensitive ? outer : outer.toLowerCase();
  const b = caseSensitive ? inner : inner.toLowerCase();
  const alphabet: Array<string | null> = [...new Set([...a, ...b].filter((c) => c !== "*" && c !== "?")), null];
  const start: [Set<number>, Set<number>] = [closure(b, [0]), closure(a, [0])];
  const seen = new Set<string>([`${key(start[0])}|${key(start[1])}`]);
  const queue = [start];
  while (queue.length > 0) {
    const [innerStates, outerStates] = queue.shift() as [Set<number>, Set<number>];
    if (innerStates.has(b.length) && !outerStates.has(a.length)) return false;
    for (const char of alphabet) {
      const nextInner = step(b, innerStates, char);
      if (nextInner.size === 0) continue;
      const nextOuter = step(a, outerStates, char);
      const id = `${key(nextInner)}|${key(nextOuter)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push([nextInner, nextOuter]);
    }
  }
  return true;
}

/** Whether every host `later` names (every host, when it names none) is one that `earlier` matches too. */
function hostsCovered(earlier: RouteConditions, later: RouteConditions): boolean {
  const earlierHosts = earlier.hosts ?? [];
  if (earlierHosts.length === 0) return true;
  const laterHosts = later.hosts ?? [];
  return laterHosts.length > 0 && laterHosts.every((host) => earlierHosts.some((pattern) => patternCovers(pattern, host, false)));
}

/**
 * The path patterns of `later` that `earlier` takes first: `earlier` is evaluated first (a lower priority number),
 * covers all of `later`'s hosts, and has a path pattern that covers the later one (or no path condition). Empty when
 * `later` gets every one of its requests it should.
 */
export function shadowedPatterns(earlier: RouteConditions, later: RouteConditions): ShadowedPattern[] {
  if (earlier.priority >= later.priority || !hostsCovered(earlier, later)) return [];
  const earlierPaths = earlier.paths ?? [];
  const laterPaths = later.paths ?? [];
  if (laterPaths.length === 0) {
    if (earlierPaths.length === 0) return [{}];
    const cover = earlierPaths.find((pattern) => patternCovers(pattern, EVERY_PATH));
    return cover === undefined ? [] : [{ coveredBy: cover }];
  }
  return laterPaths.flatMap((path): ShadowedPattern[] => {
    if (earlierPaths.length === 0) return [{ path }];
    const cover = earlierPaths.find((pattern) => patternCovers(pattern, path));
    return cover === undefined ? [] : [{ path, coveredBy: cover }];
  });
}

/**
 * The path pattern with which `rule` takes every request before the listener's default action, or undefined: a rule
 * without hosts whose paths cover every path (or that has no path condition either).
 */
export function takesEveryRequest(rule: RouteConditions): { readonly path?: string } | undefined {
  if ((rule.hosts ?? []).length > 0) return undefined;
  const paths = rule.paths ?? [];
  if (paths.length === 0) return {};
  const cover = paths.find((pattern) => patternCovers(pattern, EVERY_PATH));
  return cover === undefined ? undefined : { path: cover };
}
