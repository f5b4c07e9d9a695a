// Function lengths in TypeScript source, for the architecture test's "no function over 60 lines".
// Node strips the types (keeping every other character where it was), then brackets are matched
// outside strings, template text, comments and regular expressions. A `{` opens a function body
// when it follows `=>`, or a `)` whose `(` follows a name other than if/for/while/switch/catch
// (a function or a method). A function runs from the line of its parameter list to the line of its
// closing brace, both counted. Unbalanced brackets throw rather than measure something else.
import { stripTypeScriptTypes } from "node:module";

export interface FunctionSpan {
  /** 1-based line of the parameter list. */
  line: number;
  lines: number;
}

interface Token {
  text: string;
  at: number;
}

/** Names before `(` that open a block, not a function (`for await (...)` included). */
const CONTROL = new Set(["if", "for", "while", "switch", "catch", "with", "await"]);
/** After these a `/` starts a regular expression; after anything else it divides. */
const BEFORE_REGEX = /^([(,=:[!&|?{};+\-*%<>~^]|=>|return|typeof|case|in|of|new|delete|void|throw|else|do|yield|await)$/;

/** Words and punctuation of JavaScript, leaving out strings, template text, comments and regular expressions. */
function tokenize(js: string): Token[] {
  const tokens: Token[] = [];
  const templateDepths: number[] = []; // the brace depth at each open `${`
  let depth = 0;
  let i = 0;
  /** From just inside a template literal to its closing backtick, or into its next `${`. */
  const skipTemplateText = () => {
    for (; i < js.length; i++) {
      if (js[i] === "\\") i++;
      else if (js[i] === "`") return void i++;
      else if (js[i] === "$" && js[i + 1] === "{") {
        templateDepths.push(depth);
        i += 2;
        return;
      }
    }
  };
  const skipPast = (close: string) => {
    for (let inClass = false; i < js.length; i++) {
      if (js[i] === "\\") i++;
      else if (close === "/" && js[i] === "[") inClass = true;
      else if (close === "/" && js[i] === "]") inClass = false;
      else if (!inClass && js[i] === close) return void i++;
    }
  };
  while (i < js.length) {
    const c = js[i];
    const previous = tokens[tokens.length - 1]?.text ?? "(";
    if (/\s/.test(c)) i++;
    else if (js.startsWith("//", i)) i = js.includes("\n", i) ? js.indexOf("\n", i) : js.length;
    else if (js.startsWith("/*", i)) i = js.includes("*/", i + 2) ? js.indexOf("*/", i + 2) + 2 : js.length;
    else if (c === '"' || c === "'") {
      i++;
      skipPast(c);
    } else if (c === "`") {
      i++;
      skipTemplateText();
    } else if (c === "/" && BEFORE_REGEX.test(previous)) {
      i++;
      skipPast("/");
      while (/[a-z]/.test(js[i] ?? "")) i++; // flags
    } else if (c === "}" && templateDepths.at(-1) === depth) {
      templateDepths.pop();
      i++;
      skipTemplateText();
    } else {
      const word = /^(?:[\w$]+|=>)/.exec(js.slice(i, i + 256))?.[0] ?? c;
      if (c === "{") depth++;
      if (c === "}") depth--;
      tokens.push({ text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

/** Every function and method body in a TypeScript (or JavaScript) text, with its length in lines. */
export function functionSpans(source: string): FunctionSpan[] {
  const js = stripTypeScriptTypes(source, { mode: "strip" });
  const lineAt = (at: number) => js.slice(0, at).split("\n").length;
  const tokens = tokenize(js);
  const partner = new Map<number, number>(); // bracket token index -> its partner's, both ways
  const open: number[] = [];
  tokens.forEach((t, k) => {
    if ("({[".includes(t.text)) open.push(k);
    if (!")}]".includes(t.text)) return;
    const o = open.pop();
    if (o === undefined || "({[".indexOf(tokens[o].text) !== ")}]".indexOf(t.text)) throw new Error(`unmatched "${t.text}" at line ${lineAt(t.at)}`);
    partner.set(o, k).set(k, o);
  });
  if (open.length > 0) throw new Error(`unclosed "${tokens[open[0]].text}" at line ${lineAt(tokens[open[0]].at)}`);

  const spans: FunctionSpan[] = [];
  tokens.forEach((t, k) => {
    if (t.text !== "{" || k === 0) return;
    const before = tokens[k - 1].text;
    let params: number | undefined;
    if (before === "=>") params = tokens[k - 2]?.text === ")" ? partner.get(k - 2) : k - 2;
    else if (before === ")") {
      const paren = partner.get(k - 1)!;
      const name = tokens[paren - 1]?.text ?? "";
      if (/^[\w$]+$/.test(name) && !CONTROL.has(name)) params = paren;
    }
    if (params === undefined) return;
    const line = lineAt(tokens[params].at);
    spans.push({ line, lines: lineAt(tokens[partner.get(k)!].at) - line + 1 });
  });
  return spans;
}
