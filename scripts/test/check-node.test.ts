import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "check-node.mjs")

/** Runs the check with `node` (and extra Node options), as `npm test` and `npm start` do first. */
const check = (node: string, ...options: ReadonlyArray<string>) =>
  spawnSync(node, [...options, script], { encoding: "utf8" })

/** A preload that makes the running Node report another version, as an old Node would. */
const reportVersion = (version: string) =>
  `--import=data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`

/** A Node older than 22.19 on the PATH (the machine's own, when npm's PATH puts the repository's Node 22 first). */
const olderNode = (): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "node")
    if (dir === "" || !existsSync(candidate)) continue
    const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim().slice(1)
    const [major, minor] = version.split(".").map(Number)
    if (major < 22 || (major === 22 && minor < 19)) return candidate
  }
  return undefined
}

describe("scripts/check-node.mjs: npm test and npm start fail at once on a Node older than 22.19", () => {
  it("passes on the Node the scripts run on (the repository's Node 22)", () => {
    const result = check(process.execPath)
    assert.strictEqual(result.status, 0, result.stderr)
    assert.strictEqual(result.stderr, "")
  })

  for (const version of ["20.20.2", "22.18.0", "18.19.0"]) {
    it(`fails with the fix on Node ${version}`, () => {
      const result = check(process.execPath, reportVersion(version))
      assert.strictEqual(result.status, 1)
      assert.include(
        result.stderr,
        `needs Node >= 22.19 (effect 4 and vitest 5 do), but this script runs on Node ${version}`
      )
      assert.include(result.stderr, "run `npm install` (or `npm ci`) without --ignore-scripts")
    })
  }

  for (const version of ["22.19.0", "22.23.3", "24.1.0"]) {
    it(`passes on Node ${version}`, () => {
      assert.strictEqual(check(process.execPath, reportVersion(version)).status, 0)
    })
  }

  it("fails on a real older Node, when the machine has one (Node 20 here)", (context) => {
    const node = olderNode()
    if (node === undefined) return context.skip()
    const result = check(node)
    assert.strictEqual(result.status, 1)
    assert.include(result.stderr, "needs Node >= 22.19")
  })
})
