import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

// Resolved by package name, through the `exports` of packages/core/package.json, as a user's import is. The tests
// run with the "@effect-otp/source" condition (vitest.config.ts hands it to Node too), as the whole workspace does.
const resolve = createRequire(import.meta.url).resolve
const sources = fileURLToPath(new URL("../src/", import.meta.url))
const publicModules = readdirSync(sources).filter((file) => file.endsWith(".ts") && file !== "index.ts")
  .map((file) => file.slice(0, -3))
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Record<string, unknown>
}

describe("package exports", () => {
  it("in the workspace (the @effect-otp/source condition), every public module resolves to its source", () => {
    assert.isTrue(resolve("@effect-otp/core").endsWith("src/index.ts"))
    for (const module of publicModules) {
      assert.isTrue(resolve(`@effect-otp/core/${module}`).endsWith(`src/${module}.ts`), module)
    }
  })

  it("for a user (no source condition), every public module's types and code are in dist, and nothing else", () => {
    const entries: Array<[string, string]> = [
      [".", "index"],
      ...publicModules.map((m): [string, string] => [`./${m}`, m])
    ]
    assert.sameMembers(Object.keys(manifest.exports), [
      ...entries.map(([path]) => path),
      "./package.json",
      "./internal/*"
    ])
    for (const [path, module] of entries) {
      const entry = manifest.exports[path] as Record<string, string>
      // Conditions are tried in order: the source one must come first, or the workspace would load dist.
      assert.deepStrictEqual(Object.keys(entry), ["@effect-otp/source", "types", "default"], path)
      assert.deepStrictEqual(entry, {
        "@effect-otp/source": `./src/${module}.ts`,
        types: `./dist/${module}.d.ts`,
        default: `./dist/${module}.js`
      }, path)
    }
    assert.strictEqual(manifest.exports["./package.json"], "./package.json")
    assert.isNull(manifest.exports["./internal/*"])
  })

  it("internal modules are not importable", () => {
    for (const path of ["internal/process", "internal/process.js", "internal/process.ts", "src/internal/process.ts"]) {
      assert.throws(() => resolve(`@effect-otp/core/${path}`), /not (defined|exported)|ERR_PACKAGE_PATH_NOT_EXPORTED/)
    }
    for (const path of ["dist/index.js", "dist/internal/process.js"]) {
      assert.throws(() => resolve(`@effect-otp/core/${path}`), /not (defined|exported)|ERR_PACKAGE_PATH_NOT_EXPORTED/)
    }
  })
})
