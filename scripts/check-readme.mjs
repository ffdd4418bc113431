// Checks README.md and the guides in docs/*.md, so that they cannot drift from the API or from each other:
// - every ```ts block type-checks. Each block becomes its own ES module (top-level await allowed) under
//   .readme/, named after its file (README-03.mts, docs-sources-02.mts) so that a failure says where it
//   is, compiled against src/ with the placeholders the prose leaves to the reader (roleArn, region, ...)
//   declared in readme-placeholders.d.ts;
// - every relative link points to a file that exists, and every #anchor to a heading of its file (as
//   GitHub makes heading anchors).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { typecheckBlocks } from "./typecheckBlocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];
const text = new Map(files.map((file) => [file, readFileSync(join(root, file), "utf8")]));

// --- the TypeScript blocks
const blocks = files.flatMap((file) => {
  const prefix = file.replace(/\.md$/, "").replace(/\//g, "-");
  return [...text.get(file).matchAll(/```ts\n([\s\S]*?)```/g)].map((match, i) => [
    `${prefix}-${String(i + 1).padStart(2, "0")}.mts`,
    match[1],
  ]);
});
console.log(`type-checking ${blocks.length} TypeScript blocks of ${files.join(", ")}`);
const compiled = typecheckBlocks(root, join(root, ".readme"), blocks);
if (!compiled) {
  console.error(
    "TypeScript blocks that do not compile (see above: .readme/<file>-<n>.mts is block n of <file>)",
  );
}

// --- the links
// Fenced code is not Markdown: its brackets are not links and its `#` lines are not headings.
const prose = (markdown) => markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, "");
// GitHub's anchors: the heading's text, lower-cased, without punctuation, spaces as hyphens; a repeated
// anchor gets -1, -2, ...
const anchors = (markdown) => {
  const seen = new Map();
  return new Set(
    [...prose(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)].map(([, heading]) => {
      const slug = heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/ /g, "-");
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      return n === 0 ? slug : `${slug}-${n}`;
    }),
  );
};
const broken = [];
let links = 0;
for (const file of files) {
  for (const [, target] of prose(text.get(file)).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    links++;
    const [path, anchor] = target.split("#");
    const resolved = path === "" ? file : posix.normalize(posix.join(posix.dirname(file), path));
    if (!existsSync(join(root, resolved))) {
      broken.push(`${file}: ${target}: no file ${resolved}`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith(".md")) continue;
    const markdown = text.get(resolved) ?? readFileSync(join(root, resolved), "utf8");
    if (!anchors(markdown).has(anchor))
      broken.push(`${file}: ${target}: no heading #${anchor} in ${resolved}`);
  }
}
for (const line of broken) console.error(line);
console.log(`links: ${links} relative links checked, ${broken.length} broken`);

if (!compiled || broken.length > 0) process.exit(1);
console.log(`${files.join(", ")}: every TypeScript block compiles and every relative link resolves`);
