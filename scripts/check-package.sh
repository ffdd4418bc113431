#!/usr/bin/env bash
# Checks the package as users get it: the packed tarball passes publint and "are the types wrong",
# installs into a scratch project beside @aws-sdk/client-s3 with one copy of every shared SDK package,
# and loads with both `import` and `require`. Prints the packed and installed sizes.
set -euo pipefail
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"

echo "== build"
npm run --silent build

echo "== pack"
npm pack --json --pack-destination "$work" > "$work/pack.json" 2>/dev/null
tarball="$work/$(node -p 'require(process.argv[1])[0].filename' "$work/pack.json")"
node -e '
  const [p] = require(process.argv[1]);
  console.log(`${p.filename}: ${p.entryCount} files, packed ${(p.size / 1024).toFixed(1)} KiB, unpacked ${(p.unpackedSize / 1024).toFixed(1)} KiB`);
' "$work/pack.json"

echo "== the relative links of the packed Markdown files point into the package"
# On the npm page and in node_modules, a link to a file the package does not hold is dead.
node -e '
  const { readdirSync, readFileSync } = require("node:fs");
  const { posix } = require("node:path");
  const [p] = require(process.argv[1]);
  const packed = new Set(p.files.map((f) => f.path));
  const targets = (file) =>
    [...readFileSync(file, "utf8").matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1].split("#")[0])
      .filter((t) => t !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(t))
      .map((t) => posix.normalize(posix.join(posix.dirname(file), t)));
  const shippedDocs = [...packed].filter((f) => f.endsWith(".md"));
  // Every guide the README can link to ships: docs/*.md (not docs/api, the generated API docs).
  const guides = readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  const unshipped = guides.filter((f) => !packed.has(f));
  if (unshipped.length > 0) { console.error("guides not in the package (package.json files):", unshipped); process.exit(1); }
  const missing = shippedDocs.flatMap((file) => targets(file).filter((t) => !packed.has(t)).map((t) => `${file} -> ${t}`));
  if (missing.length > 0) { console.error("links to files not in the package:", missing); process.exit(1); }
  console.log(`links: every relative link of ${shippedDocs.join(", ")} is in the package`);
' "$work/pack.json"

echo "== publint"
npx --no-install publint --strict "$root"

echo "== are the types wrong"
npx --no-install attw "$tarball"

echo "== install into a scratch project beside @aws-sdk/client-s3"
s3_version=$(node -p 'require("@aws-sdk/client-s3/package.json").version')
mkdir "$work/app"
cd "$work/app"
npm init -y > /dev/null
npm install --no-audit --no-fund --loglevel=error "@aws-sdk/client-s3@$s3_version" > /dev/null
before=$(du -sk node_modules | cut -f1)
npm install --no-audit --no-fund --loglevel=error "$tarball" > /dev/null
after=$(du -sk node_modules | cut -f1)
echo "install size beside @aws-sdk/client-s3: $((after - before)) KiB added (node_modules: ${before} KiB -> ${after} KiB)"

echo "== one copy of each shared @aws-sdk/* and @smithy/* package"
npm ls --all --json > "$work/ls.json" 2> /dev/null || true
node -e '
  const tree = require(process.argv[1]);
  const versions = new Map();
  const walk = (deps) => {
    for (const [name, info] of Object.entries(deps ?? {})) {
      if (/^@(aws-sdk|smithy)\//.test(name) && info.version) {
        if (!versions.has(name)) versions.set(name, new Set());
        versions.get(name).add(info.version);
      }
      walk(info.dependencies);
    }
  };
  walk(tree.dependencies);
  const duplicated = [...versions].filter(([, v]) => v.size > 1);
  for (const [name, v] of duplicated) console.error(`  ${name}: ${[...v].join(", ")}`);
  console.log(`${versions.size} @aws-sdk/* and @smithy/* packages, ${duplicated.length} with more than one version`);
  if (duplicated.length > 0) process.exit(1);
' "$work/ls.json"

echo "== require"
node -e '
  const main = require("aws-refresh-session");
  const testing = require("aws-refresh-session/testing");
  const fp = require("aws-refresh-session/fp");
  for (const [name, value] of [["refreshingRole", main.refreshingRole], ["session", main.session], ["manualClock", testing.manualClock], ["localSts", testing.localSts], ["toProvider", fp.toProvider]]) {
    if (typeof value !== "function") { console.error(`require: ${name} is ${typeof value}`); process.exit(1); }
  }
  console.log(`require: ${Object.keys(main).length} + ${Object.keys(testing).length} + ${Object.keys(fp).length} exports`);
  // The public surface, as published, is the one api/exports.json records (and the tests check).
  const api = require(process.argv[1]);
  for (const [entry, module] of [["aws-refresh-session", main], ["aws-refresh-session/testing", testing], ["aws-refresh-session/fp", fp]]) {
    const got = Object.keys(module).filter((k) => k !== "__esModule").sort();
    const want = api[entry].values;
    const extra = got.filter((k) => !want.includes(k));
    const missing = want.filter((k) => !got.includes(k));
    if (extra.length + missing.length > 0) {
      console.error(`${entry}: not the surface of api/exports.json: extra ${extra.join(", ") || "none"}; missing ${missing.join(", ") || "none"}`);
      process.exit(1);
    }
  }
  console.log("exports: each entry exports exactly what api/exports.json lists");
' "$root/api/exports.json"

echo "== import"
node --input-type=module -e '
  import { refreshingRole, session } from "aws-refresh-session";
  import { manualClock, localSts } from "aws-refresh-session/testing";
  import { toProvider } from "aws-refresh-session/fp";
  import { createRequire } from "node:module";
  const require = createRequire(import.meta.url);
  for (const value of [refreshingRole, session, manualClock, localSts, toProvider]) {
    if (typeof value !== "function") { console.error("import: missing export"); process.exit(1); }
  }
  // One implementation for both: no second copy of the library behind `import`.
  if (refreshingRole !== require("aws-refresh-session").refreshingRole) { console.error("import and require differ"); process.exit(1); }
  const sts = await localSts();
  const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/packaged", region: "us-east-1", clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials } });
  const issued = await credentials();
  credentials.dispose();
  await sts.close();
  console.log(`import: works, and assumed a role against the local STS (${issued.accessKeyId.slice(0, 4)}...)`);
'

echo "== the command (bin) as installed from the tarball"
bin=./node_modules/.bin/aws-refresh-session
"$bin" --help > /dev/null
for command in exec credential-process serve; do "$bin" "$command" --help > /dev/null; done
set +e
"$bin" exec --no-such-flag > /dev/null 2>&1
usage_status=$?
set -e
if [ "$usage_status" -ne 2 ]; then echo "the command: bad usage gave status $usage_status, not 2" >&2; exit 1; fi
node --input-type=module -e '
  import { execFile } from "node:child_process";
  import { promisify } from "node:util";
  import { localSts } from "aws-refresh-session/testing";
  // Asynchronous runs: the local STS answers from this process.
  const run = promisify(execFile);
  const sts = await localSts();
  const env = { ...process.env, HOME: process.cwd(), AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey, AWS_ENDPOINT_URL: sts.endpoint };
  const role = ["--role-arn", "arn:aws:iam::123456789012:role/packaged", "--region", "us-east-1"];
  const bin = "./node_modules/.bin/aws-refresh-session";
  const answer = JSON.parse((await run(bin, ["credential-process", ...role], { env })).stdout);
  if (answer.Version !== 1 || !answer.AccessKeyId.startsWith("ASIA")) { console.error("credential-process:", Object.keys(answer)); process.exit(1); }
  const status = await run(bin, ["exec", ...role, "--", "node", "-e", "process.exit(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI.startsWith(\"http://127.0.0.1:\") ? 7 : 1)"], { env }).then(() => 0, (error) => error.code);
  await sts.close();
  if (status !== 7) { console.error("exec: status", status); process.exit(1); }
  console.log("the command: --help, status 2 for bad usage, credential-process and exec (status 7 passed through) work from the tarball");
'


echo "== bundlers: the ES module build, tree-shaken, and instanceof across both builds"
# A handler that uses only refreshingRole, bundled as Lambda users bundle it: it must come from the ES
# module build ("module" condition) and carry none of the container, web identity, cache or fp code.
cat > handler.mjs <<'JS'
import { refreshingRole, CredentialRefreshError } from "aws-refresh-session";
export const credentials = () => refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/app" });
export { CredentialRefreshError };
JS
"$root/node_modules/.bin/esbuild" handler.mjs --bundle --minify --platform=node --format=esm \
  --external:@aws-sdk/* --external:@smithy/* --metafile=meta.json --outfile=handler.bundle.mjs --log-level=error
node -e '
  // What is in the output (bytesInOutput > 0), not every module esbuild looked at.
  const [output] = Object.values(require("./meta.json").outputs);
  const inputs = Object.entries(output.inputs)
    .filter(([f, { bytesInOutput }]) => bytesInOutput > 0 && f.includes("aws-refresh-session/"))
    .map(([f]) => f);
  const ours = inputs.map((f) => f.slice(f.indexOf("aws-refresh-session/") + "aws-refresh-session/".length));
  const bad = ours.filter((f) => !f.startsWith("dist/esm/"));
  const unwanted = [
    ...ours.filter((f) => /containerCredentials|WebIdentity|fileCache|withCache|sharedCache|assumeRoleCacheKey|pythonJson|CredentialCacheError|\/fp\//.test(f)),
    ...Object.entries(output.inputs)
      .filter(([f, { bytesInOutput }]) => bytesInOutput > 0 && f.includes("node_modules/proper-lockfile/"))
      .map(([f]) => f),
  ];
  if (bad.length > 0) { console.error("bundled files not from dist/esm:", bad); process.exit(1); }
  if (unwanted.length > 0) { console.error("a refreshingRole handler carries:", unwanted); process.exit(1); }
  console.log(`bundle: ${ours.length} files of dist/esm, none of the container, web identity, cache or fp code`);
  // io-ts is the annotated copy in dist/esm/vendor, not node_modules/io-ts beside it, and it keeps only
  // the codecs the handler uses: none of these (each class sets its _tag, a string minifying keeps,
  // and Integer is named "Integer").
  const ioTs = Object.entries(output.inputs).filter(([f, { bytesInOutput }]) => bytesInOutput > 0 && /\/io-ts\//.test(f));
  if (ioTs.length > 0) { console.error("the bundle carries node_modules/io-ts:", ioTs.map(([f]) => f)); process.exit(1); }
  const vendored = Object.entries(output.inputs).find(([f]) => f.endsWith("aws-refresh-session/dist/esm/vendor/io-ts.js"));
  if (vendored === undefined) { console.error("the bundle has no dist/esm/vendor/io-ts.js"); process.exit(1); }
  const bundle = require("node:fs").readFileSync("handler.bundle.mjs", "utf8");
  // RecursiveType and Integer only since the build moved the getter and wrapped refinement(...).
  const dropped = ["NullType", "LiteralType", "KeyofType", "RecursiveType", "TupleType", "ExactType", "NeverType", "AnyType", "TaggedUnionType", "ObjectType", "StrictType", "Integer"];
  const kept = dropped.filter((tag) => bundle.includes(`"${tag}"`));
  if (!bundle.includes(`"InterfaceType"`)) { console.error("no io-ts _tag found in the bundle: this check is blind"); process.exit(1); }
  if (kept.length > 0) { console.error("unused io-ts codecs in the bundle:", kept); process.exit(1); }
  console.log(`io-ts: ${(vendored[1].bytesInOutput / 1024).toFixed(1)} KiB from dist/esm/vendor/io-ts.js, none of ${dropped.length} unused codecs`);
'
node --input-type=module -e '
  import { createRequire } from "node:module";
  import { credentials, CredentialRefreshError as Bundled } from "./handler.bundle.mjs";
  const cjs = createRequire(import.meta.url)("aws-refresh-session");
  if (Bundled === cjs.CredentialRefreshError) { console.error("expected two copies"); process.exit(1); }
  const fromCjs = new cjs.CredentialRefreshError("x", { retryable: false });
  const fromBundle = new Bundled("x", { retryable: false });
  if (!(fromCjs instanceof Bundled) || !(fromBundle instanceof cjs.CredentialRefreshError)) {
    console.error("instanceof fails across the bundled ES module build and the CommonJS build"); process.exit(1);
  }
  credentials().dispose();
  console.log("instanceof: holds both ways between the bundled ES module build and the CommonJS build");
'

# An ES module bundle of a program that uses fileCache: esbuild's ESM output needs `require` for the
# CommonJS packages it bundles (the SDK's and proper-lockfile's Node built-ins), which the README's
# banner gives it. The lock must be taken: a lock-failed warning fails the check.
cat > cache.mjs <<'JS'
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileCache, refreshingRole } from "aws-refresh-session";
import { localSts } from "aws-refresh-session/testing";
const warnings = [];
process.on("warning", (warning) => warnings.push(`${warning.code ?? warning.name}: ${warning.message}`));
const directory = mkdtempSync(join(tmpdir(), "ars-bundle-cache-"));
const sts = await localSts();
const credentials = refreshingRole({
  roleArn: "arn:aws:iam::123456789012:role/bundled",
  region: "us-east-1",
  cache: fileCache({ directory }),
  clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
});
await credentials();
credentials.dispose();
await sts.close();
await new Promise((resolve) => setImmediate(resolve));
const entries = readdirSync(directory);
rmSync(directory, { recursive: true, force: true });
if (warnings.length > 0 || entries.filter((f) => f.endsWith(".json")).length !== 1) {
  console.error("bundled fileCache:", { warnings, entries });
  process.exit(1);
}
console.log(`bundled fileCache: locked and wrote ${entries.length} entry, no warning`);
JS
"$root/node_modules/.bin/esbuild" cache.mjs --bundle --platform=node --format=esm --outfile=cache.bundle.mjs --log-level=error \
  --banner:js='import { createRequire } from "node:module"; const require = createRequire(import.meta.url);'
AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node cache.bundle.mjs

echo "== npm audit --omit=dev"
cd "$root"
# --loglevel: under `npm run --silent` the inherited loglevel would hide the error this tells apart.
if audit=$(npm audit --omit=dev --loglevel=warn 2>&1); then
  echo "$audit" | tail -n 1
elif echo "$audit" | grep -q "audit endpoint returned an error"; then
  echo "npm audit: NOT RUN: the registry refused the audit request on this machine:"
  echo "$audit" | grep -m1 -E "audit|405" | sed 's/^/  /'
else
  echo "$audit"
  exit 1
fi
