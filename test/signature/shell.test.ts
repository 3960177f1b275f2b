import test from "ava";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseShell, shellCommands, ShellSyntaxError, type Command } from "../../lib/signature/index.js";

// Expected command sets were produced by BitBake's own ShellParser (bb/codeparser.py, pysh) on
// the same text, quirks included; the last few are texts pysh rejects and bake accepts.
const commands: readonly (readonly [name: string, script: string, expected: readonly string[]])[] = [
  ["pipeline and lists", "a | b && c || d; e &\nf\n", ["a", "b", "c", "d", "e", "f"]],
  ["substitutions in words", 'h0 x=$(g1 arg) "$(g2)" `g3 -x`\n', ["g1", "g2", "g3", "h0"]],
  ["substitution as the command", "$(pick) arg next\n", ["pick"]],
  ["not inside ${…}", 'echo ${X:-$(notcounted)} "${Y:+`nope`}"\n', ["echo"]],
  ["inside double quotes", 'echo "a $(inner1) b `inner2`"\n', ["echo", "inner1", "inner2"]],
  ["if/elif/else", "if test1; then body1; elif test2; then body2; else body3; fi\n", ["body1", "body2", "body3", "test1", "test2"]],
  ["loops", "while w1; do w2; done\nuntil u1; do u2; done\nfor i in $(f1) a; do f2; done\n", ["f1", "f2", "u1", "u2", "w1", "w2"]],
  ["case", "case $(subject) in\n  a|$(pat)) c1 ;;\n  (b) c2\n  ;;\n  *) c3;;\nesac\n", ["c1", "c2", "c3"]],
  ["case: first pattern only", "case a in\n  $(p1)|$(p2)) c1 ;;\nesac\n", ["c1", "p1"]],
  ["functions defined in the body", "helper() {\n  inner\n}\nhelper\nouter\n", ["inner", "outer"]],
  ["subshell and group", "( s1; s2 ) | { g1; g2; }\n", ["g1", "g2", "s1", "s2"]],
  ["here-documents", "cat <<EOF > out\n$(notrun) text\nEOF\ncat <<-'X'\n\tstuff\n\tX\nafter\n", ["after", "cat"]],
  ["redirections", "2>/dev/null r1 arg >$(rtarget)\n", ["r1"]],
  ["assignments", "A=1 B=$(bval) run1 x\nC=$(cval)\n", ["bval", "cval", "run1"]],
  ["x=$(…) first hides the command (pysh)", "x=$(g) h1\n", ["g"]],
  ["and the word after it (pysh)", "x=$(g) y=$(h) cmd\n", ["g"]],
  ["later assignment is fine", "y=2 x=$(g) h1\n", ["g", "h1"]],
  ["eval", 'eval "e1 arg; e2"\n', ['"e1 arg; e2"']],
  ["expansions as command", "${CC} -c x.c\n$FOO bar\n", []],
  ["negation", "! neg1 && ! neg2\n", ["neg1", "neg2"]],
  ["nested substitutions", "echo $(a1 $(a2 `a3`))\n", ["a1", "a2", "a3", "echo"]],
  ["quoted command names", "\"qcmd\" arg\n'scmd' arg\n", ['"qcmd"', "'scmd'"]],
  ["line continuation", "cont1 a \\\n  b\ncont2\n", ["cont1", "cont2"]],
  ["arithmetic (pysh cannot)", "echo $((1 + 2)) $(( (3) * 4 ))\n", ["echo"]],
  ["keywords as arguments (pysh cannot)", "echo if then done esac\n", ["echo"]],
  ["here-document inside $(…)", "x=$(cat <<EOF\n$(ignored)\nEOF\n)\nafter\n", ["after", "cat"]],
  ["case inside $(…)", "v=$(case $1 in a) ca;; esac)\n", ["ca"]],
  ["bash: arrays, process substitution, $'…'", "arr=(a b $(in_array))\ndiff <(p1) >(p2)\necho $'\\'x'\n", ["diff", "echo", "in_array", "p1", "p2"]],
  ["function keyword", "function fk { body; }\nfk\n", ["body"]],
];

for (const [name, script, expected] of commands) {
  test(`commands: ${name}`, (t) => {
    t.deepEqual([...shellCommands(script)].sort(), [...expected]);
  });
}

test("the tree keeps structure, words and here-document bodies", (t) => {
  const script = parseShell("FOO=bar cmd 'a b' \"$X\" 2>err <<-EOF\n\tline $Y\n\tEOF\nif a; then b; fi\n");
  t.is(script.length, 2);
  const simple = script[0] as Extract<Command, { kind: "simple" }>;
  t.is(simple.kind, "simple");
  t.deepEqual(simple.assignments.map((a) => [a.name, a.value.raw]), [["FOO", "bar"]]);
  t.deepEqual(simple.words.map((w) => w.raw), ["cmd", "'a b'", '"$X"']);
  t.deepEqual(simple.words[1]!.parts, [{ kind: "single-quoted", text: "a b" }]);
  t.deepEqual(simple.words[2]!.parts, [{ kind: "double-quoted", parts: [{ kind: "parameter", text: "$X" }] }]);
  t.deepEqual(simple.redirects.map((r) => [r.fd, r.op, r.target.raw, r.heredoc]), [
    [2, ">", "err", null],
    [null, "<<-", "EOF", "line $Y\n"],
  ]);
  t.is(script[1]!.kind, "if");
});

test("IO numbers, parameters and comments as the lexer scans them", (t) => {
  // Digits right before `<` or `>` are a descriptor when the operator comes within 12 characters.
  const redirects = (text: string) => (parseShell(text)[0] as Extract<Command, { kind: "simple" }>).redirects.map((r) => [r.fd, r.op, r.target.raw]);
  t.deepEqual(redirects("c 12345678901>x\n"), [[12345678901, ">", "x"]]);
  t.deepEqual(redirects("c 123456789012>x\n"), [[null, ">", "x"]]);
  t.deepEqual(redirects("c 2>>log 0<in 3<&0\n"), [[2, ">>", "log"], [0, "<", "in"], [3, "<&", "0"]]);
  const words = (text: string) => (parseShell(text)[0] as Extract<Command, { kind: "simple" }>).words.map((w) => w.parts);
  t.deepEqual(words("e $1$@ $_x9 $- $%\n").slice(1), [
    [{ kind: "parameter", text: "$1" }, { kind: "parameter", text: "$@" }],
    [{ kind: "parameter", text: "$_x9" }],
    [{ kind: "parameter", text: "$-" }],
    [{ kind: "literal", text: "$%" }],
  ]);
  // A name is read up to 199 characters after `$`; the rest is literal.
  const long = "a".repeat(250);
  t.deepEqual(words(`e $${long}\n`)[1], [{ kind: "parameter", text: `$${long.slice(0, 199)}` }, { kind: "literal", text: long.slice(199) }]);
  t.deepEqual([...shellCommands("# c1\nc2 # c3\n  \\\n c4\n")], ["c2", "c4"]);
});

test("syntax errors carry line and column", (t) => {
  const err = t.throws(() => parseShell("echo a\nif true; then\n  b\n"), { instanceOf: ShellSyntaxError });
  t.is(err!.line, 4);
  t.regex(err!.reason, /expected 'fi'/);
  const quote = t.throws(() => parseShell("echo 'open\n"), { instanceOf: ShellSyntaxError });
  t.deepEqual([quote!.line, quote!.column], [1, 6]);
  t.throws(() => parseShell("echo )\n"), { instanceOf: ShellSyntaxError });
  t.throws(() => parseShell("done\n"), { instanceOf: ShellSyntaxError });
});

// Every `name() {…}` body of openembedded-core, when a checkout is at hand: they all parse, but
// for the few that are Python appended to Python functions (they only look like shell).
const OE_CORE = "/work/ref/oe-core/meta";

async function* metadataFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* metadataFiles(path);
    else if (/\.(bb|bbclass|inc|bbappend)$/.test(entry.name)) yield path;
  }
}

test("every shell function body of openembedded-core parses", async (t) => {
  if (!existsSync(OE_CORE)) {
    t.log(`${OE_CORE} absent; skipped`);
    t.pass();
    return;
  }
  const head = /^(?:export\s+)?(?:fakeroot\s+)?(?!python\b)([A-Za-z0-9_\-.:${}+]+)\s*\(\s*\)\s*\{\s*$/;
  let total = 0;
  const failures: string[] = [];
  for await (const file of metadataFiles(OE_CORE)) {
    const lines = (await readFile(file, "utf8")).split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!head.test(lines[i]!)) continue;
      let j = i + 1;
      while (j < lines.length && !/^\}\s*$/.test(lines[j]!)) j++;
      if (j >= lines.length) break;
      const body = lines.slice(i + 1, j).map((l) => l + "\n").join("");
      total++;
      try {
        shellCommands(body);
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        // Python bodies appended to Python functions: BitBake's pysh rejects them too.
        if (!/\bd\.(get|set|append)Var\(|^\s*def /m.test(body)) failures.push(`${file}:${i + 1}: ${e.message}`);
      }
      i = j;
    }
  }
  t.log(`${total} bodies`);
  t.true(total > 1000);
  t.deepEqual(failures, []);
});
