// A small PromQL scanner for tests: which metrics and labels an expression names, and a rewrite that keeps
// every series of a comparison (`>` → `> bool`). Not a full parser: enough for our dashboards and rules.

const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'atan2',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string' | 'number' | 'op' | 'braces' | 'brackets'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const until = (close: string): string => {
    const start = i;
    i++;
    while (i < expr.length && expr[i] !== close) {
      if (expr[i] === '"' || expr[i] === "'" || expr[i] === '`') skipString();
      else i++;
    }
    if (i >= expr.length) throw new Error(`unclosed ${expr[start]} in ${expr}`);
    i++;
    return expr.slice(start, i);
  };
  const skipString = (): string => {
    const q = expr[i];
    const start = i;
    i++;
    while (i < expr.length && expr[i] !== q) i += expr[i] === '\\' && q !== '`' ? 2 : 1;
    if (i >= expr.length) throw new Error(`unclosed string in ${expr}`);
    i++;
    return expr.slice(start, i);
  };
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < expr.length && expr[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'" || c === '`') { tokens.push({ kind: 'string', text: skipString() }); continue; }
    if (c === '{') { tokens.push({ kind: 'braces', text: until('}') }); continue; }
    if (c === '[') { tokens.push({ kind: 'brackets', text: until(']') }); continue; }
    const num = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(expr.slice(i));
    if (num) { tokens.push({ kind: 'number', text: num[0] }); i += num[0].length; continue; }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (id) { tokens.push({ kind: 'ident', text: id[0] }); i += id[0].length; continue; }
    const op = /^(?:==|!=|>=|<=|=~|!~|[-+*/%^<>(),=])/.exec(expr.slice(i));
    if (!op) throw new Error(`unexpected ${c} at ${i} in ${expr}`);
    tokens.push({ kind: 'op', text: op[0] });
    i += op[0].length;
  }
  return tokens;
}

/** One vector selector: the metric name and the label names its matchers use. */
export interface Selector {
  readonly metric: string;
  readonly matcherLabels: readonly string[];
}

/** What an expression names. */
export interface PromqlNames {
  readonly selectors: readonly Selector[];
  /** Label names in by/without/on/ignoring/group_left/group_right lists. */
  readonly groupingLabels: readonly string[];
}

/** The metric selectors and grouping labels of a PromQL expression. */
export function promqlNames(expr: string): PromqlNames {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'braces' && (i === 0 || tokens[i - 1].kind !== 'ident')) throw new Error(`selector without a metric name in ${expr}`);
    if (t.kind !== 'ident') continue;
    const next = tokens[i + 1];
    if (GROUPING.has(t.text)) {
      if (next?.kind === 'op' && next.text === '(') {
        let j = i + 2;
        for (; j < tokens.length && !(tokens[j].kind === 'op' && tokens[j].text === ')'); j++) {
          if (tokens[j].kind === 'ident') groupingLabels.push(tokens[j].text);
        }
        i = j;
      }
      continue;
    }
    if (KEYWORDS.has(t.text.toLowerCase())) continue;
    if (next?.kind === 'op' && next.text === '(') continue; // a function call
    const matcherLabels = next?.kind === 'braces'
      ? [...next.text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1])
      : [];
    selectors.push({ metric: t.text, matcherLabels });
  }
  return { selectors, groupingLabels };
}

/**
 * Rewrites every comparison outside selectors to its `bool` form (`a > b` → `a > bool b`), so that the
 * expression keeps a series whenever its operands have one: "returns at least one series" then checks that
 * the data an alert or panel needs exists, whether or not the condition holds right now.
 */
export function withBoolComparisons(expr: string): string {
  const tokens = tokenize(expr);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    out.push(t.text);
    const next = tokens[i + 1];
    if (t.kind === 'op' && ['==', '!=', '>', '<', '>=', '<='].includes(t.text) && !(next?.kind === 'ident' && next.text === 'bool')) out.push('bool');
  }
  return out.join(' ');
}

/** Replaces Grafana's variables with values Prometheus accepts directly (all instances, a 1m rate window). */
export function substituteGrafanaVariables(expr: string, rateInterval = '1m'): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$\{__rate_interval\}|\$\{__interval\}/g, rateInterval)
    .replace(/\$\{?instance\}?/g, '.*');
}
