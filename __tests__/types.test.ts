import { join } from "node:path";
import ts from "typescript";

describe("option types", () => {
  it("accept undefined wherever the runtime does, under exactOptionalPropertyTypes", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(__dirname, "..", "tsconfig.json"),
      { exactOptionalPropertyTypes: true, noEmit: true },
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    if (config === undefined) throw new Error("tsconfig.json could not be read");
    const fixture = join(__dirname, "support", "exactOptional.fixture.ts");
    const program = ts.createProgram([fixture], config.options);
    const source = program.getSourceFile(fixture);
    if (source === undefined) throw new Error("the fixture was not compiled");
    const errors = program
      .getSemanticDiagnostics(source)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).toEqual([]);
  }, 60_000);
});
