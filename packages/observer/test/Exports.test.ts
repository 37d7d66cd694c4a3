import { assert, describe, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { staticDir } from "../src/internal/assets.js"

// Resolved by package name, through the `exports` of package.json, as a user's import is (with the workspace's
// "@effect-otp/source" condition, which vitest.config.ts hands to Node too).
const resolve = createRequire(import.meta.url).resolve
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Record<string, unknown>
  readonly files: ReadonlyArray<string>
  readonly peerDependencies: Record<string, string>
  readonly dependencies?: Record<string, string>
}

describe("the package", () => {
  it("exports its index and the Observer module: sources in the workspace, dist for users; internals closed", () => {
    assert.isTrue(resolve("@effect-otp/observer").endsWith("src/index.ts"))
    assert.isTrue(resolve("@effect-otp/observer/Observer").endsWith("src/Observer.ts"))
    assert.deepStrictEqual(manifest.exports["./Observer"], {
      "@effect-otp/source": "./src/Observer.ts",
      types: "./dist/Observer.d.ts",
      default: "./dist/Observer.js"
    })
    assert.throws(() => resolve("@effect-otp/observer/internal/routes"), /not (defined|exported)|NOT_EXPORTED/)
  })

  it("ships its page, found two folders above src/internal and dist/internal alike", () => {
    assert.include(manifest.files, "static")
    const root = new URL("../", import.meta.url)
    assert.strictEqual(staticDir().href, new URL("static/", root).href)
    assert.strictEqual(new URL("../../static/", new URL("dist/internal/assets.js", root)).href, staticDir().href)
    for (const file of ["index.html", "observer.css", "observer.js"]) {
      assert.isTrue(existsSync(fileURLToPath(new URL(file, staticDir()))), file)
    }
  })

  it("depends on nothing of its own: effect, the core and the Node platform are peers", () => {
    assert.isUndefined(manifest.dependencies)
    assert.sameMembers(Object.keys(manifest.peerDependencies), ["effect", "@effect-otp/core", "@effect/platform-node"])
  })
})
