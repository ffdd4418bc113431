// The step check-readme.mjs and check-examples.mjs share: code blocks written as ES modules of their own
// (top-level await allowed) into a scratch folder, and type-checked together by tsc against src/ (the
// tsconfig `paths` map the package's entries there), with the placeholders a reader is meant to supply
// declared in readme-placeholders.d.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes `blocks` (`[file name, code]`) into `out` and type-checks them. Returns whether they compile;
 * tsc's errors are printed.
 */
export const typecheckBlocks = (root, out, blocks) => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  for (const [name, code] of blocks) {
    // Every block is a module of its own, even one without imports.
    writeFileSync(join(out, name), `${code}\nexport {};\n`);
  }
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify(
      {
        extends: "../tsconfig.json",
        compilerOptions: { noEmit: true, rootDir: "..", noUnusedLocals: false },
        include: ["*.mts", "../scripts/readme-placeholders.d.ts"],
      },
      null,
      2,
    ),
  );
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(out, "tsconfig.json")], {
      stdio: "inherit",
    });
    return true;
  } catch {
    return false;
  }
};
