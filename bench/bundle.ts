/**
 * 9. Bundle size: a Lambda-style handler that builds an `STSClient`, bundled with esbuild the way
 * Lambda users bundle (`--bundle --minify --platform=node --format=esm`), with our `refreshingRole`,
 * with the SDK's `fromTemporaryCredentials`, and with no provider; and again with esbuild told to prefer
 * ES module builds (`mainFields: ["module", "main"]`), which tree-shakes the SDK's packages too. What each provider adds is its
 * bundle minus the bundle without one. The package is resolved as users get it (its package.json
 * `exports`, the built dist/), so run `npm run build` first; `npm run bench` does.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";

const root = join(__dirname, "..");

const HANDLERS = {
  none: `
    import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
    export const handler = () => new STSClient({ region: "us-east-1" }).send(new GetCallerIdentityCommand({}));
  `,
  sdk: `
    import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
    import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
    const credentials = fromTemporaryCredentials({ params: { RoleArn: "arn:aws:iam::123456789012:role/app" } });
    export const handler = () => new STSClient({ region: "us-east-1", credentials }).send(new GetCallerIdentityCommand({}));
  `,
  ours: `
    import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
    import { refreshingRole } from "aws-refresh-session";
    const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/app" });
    export const handler = () => new STSClient({ region: "us-east-1", credentials }).send(new GetCallerIdentityCommand({}));
  `,
} as const;

export interface BundleResult {
  /** Minified bytes of each handler's bundle. */
  readonly bytes: Record<keyof typeof HANDLERS, number>;
  /** Bytes each provider adds to the handler without one. */
  readonly added: { readonly ours: number; readonly sdk: number };
  /** Our bundle's bytes by package (ours: "aws-refresh-session"), largest first. */
  readonly oursByPackage: ReadonlyArray<readonly [string, number]>;
  /** The files of this package in our bundle, relative to the package. */
  readonly oursFiles: readonly string[];
  /**
   * The same three bundles with `mainFields: ["module", "main"]` (as AWS CDK's NodejsFunction bundles
   * ES modules): the SDK's packages then come as their ES module builds too, which esbuild tree-shakes.
   */
  readonly moduleFirst: {
    readonly bytes: Record<keyof typeof HANDLERS, number>;
    readonly added: { readonly ours: number; readonly sdk: number };
  };
}

const packageOf = (input: string): string => {
  // The build's copy of io-ts (pure-annotated, scripts/build.mjs) counts as io-ts, not as our code.
  if (input.endsWith("dist/esm/vendor/io-ts.js")) return "io-ts";
  const at = input.lastIndexOf("node_modules/");
  if (at === -1) return input.startsWith("dist/") ? "aws-refresh-session" : input;
  const rest = input.slice(at + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? input);
};

const byPackage = (metafile: Metafile): Map<string, number> => {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
};

/** What a bundle adds to a baseline, by package, largest first. */
const addedByPackage = (bundle: Metafile, baseline: Metafile): Array<[string, number]> => {
  const base = byPackage(baseline);
  return [...byPackage(bundle)]
    .map(([name, bytes]): [string, number] => [name, bytes - (base.get(name) ?? 0)])
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
};

export const bundleSizes = async (): Promise<BundleResult> => {
  // A scratch project in which "aws-refresh-session" is this package, resolved through its exports.
  const work = await mkdtemp(join(tmpdir(), "ars-bundle-"));
  try {
    await mkdir(join(work, "node_modules"));
    await symlink(root, join(work, "node_modules", "aws-refresh-session"), "dir");
    const bundleAll = async (mainFields?: string[]) => {
      const results = {} as Record<keyof typeof HANDLERS, { bytes: number; metafile: Metafile }>;
      for (const [name, source] of Object.entries(HANDLERS) as Array<[keyof typeof HANDLERS, string]>) {
        const entry = join(work, `${name}.mjs`);
        await writeFile(entry, source);
        const result = await build({
          entryPoints: [entry],
          bundle: true,
          minify: true,
          platform: "node",
          format: "esm",
          write: false,
          metafile: true,
          logLevel: "silent",
          absWorkingDir: root,
          nodePaths: [join(root, "node_modules")],
          ...(mainFields === undefined ? {} : { mainFields }),
        });
        const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
        results[name] = { bytes, metafile: result.metafile };
      }
      return results;
    };
    const results = await bundleAll();
    const moduleFirst = await bundleAll(["module", "main"]);
    const oursFiles = Object.keys(results.ours.metafile.inputs)
      .filter((input) => packageOf(input) === "aws-refresh-session")
      .sort();
    return {
      bytes: { none: results.none.bytes, sdk: results.sdk.bytes, ours: results.ours.bytes },
      added: { ours: results.ours.bytes - results.none.bytes, sdk: results.sdk.bytes - results.none.bytes },
      oursByPackage: addedByPackage(results.ours.metafile, results.none.metafile),
      oursFiles,
      moduleFirst: {
        bytes: { none: moduleFirst.none.bytes, sdk: moduleFirst.sdk.bytes, ours: moduleFirst.ours.bytes },
        added: {
          ours: moduleFirst.ours.bytes - moduleFirst.none.bytes,
          sdk: moduleFirst.sdk.bytes - moduleFirst.none.bytes,
        },
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
