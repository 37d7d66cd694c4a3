import { assert, describe, it } from "@effect/vitest"
import { readdirSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

// Resolved by package name, through the `exports` of packages/core/package.json, as a user's import is.
const resolve = createRequire(import.meta.url).resolve
const sources = fileURLToPath(new URL("../src/", import.meta.url))
const publicModules = readdirSync(sources).filter((file) => file.endsWith(".ts") && file !== "index.ts")

describe("package exports", () => {
  it("every public module is importable by its name, and the index as the package", () => {
    assert.isTrue(resolve("@effect-otp/core").endsWith("src/index.ts"))
    for (const file of publicModules) {
      assert.isTrue(resolve(`@effect-otp/core/${file.slice(0, -3)}`).endsWith(`src/${file}`), file)
    }
  })

  it("internal modules are not importable", () => {
    for (const path of ["internal/process", "internal/process.js", "internal/process.ts", "src/internal/process.ts"]) {
      assert.throws(() => resolve(`@effect-otp/core/${path}`), /not (defined|exported)|ERR_PACKAGE_PATH_NOT_EXPORTED/)
    }
  })
})
