/**
 * The `@example`s of the public modules' JSDoc compile: each one is extracted into `scripts/build/doc-examples/`
 * and typechecked with the workspace's TypeScript, resolving the packages as the repository's code does (the
 * `@effect-otp/source` condition). And every function of `Testing` has one.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const out = path.join(root, "scripts", "build", "doc-examples")
const sourcesIn = (dir: string) =>
  fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".ts")).map((f) => path.join(root, dir, f))

// `src/internal` too: a public module may re-export a group declared there with its JSDoc (`internal/actorNext.ts`).
const modules = [
  ...sourcesIn("packages/core/src"),
  ...sourcesIn("packages/core/src/internal"),
  path.join(root, "packages/observer/src/Observer.ts"),
  ...sourcesIn("packages/cluster/src")
]

/** The ```ts blocks of the `@example` tags of a module, their `*` margins removed. */
const examplesOf = (file: string): ReadonlyArray<string> => {
  const text = fs.readFileSync(file, "utf8")
  const found: Array<string> = []
  const re = /@example[^\n]*\n(?:\s*\*.*\n)*?\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    found.push(match[1]!.split("\n").map((line) => line.replace(/^\s*\* ?/, "")).join("\n"))
  }
  return found
}

describe("the JSDoc examples", () => {
  it("compile", () => {
    fs.rmSync(out, { recursive: true, force: true })
    fs.mkdirSync(out, { recursive: true })
    let count = 0
    for (const file of modules) {
      examplesOf(file).forEach((code, i) => {
        count++
        // `internal-` keeps `internal/subject.ts`'s apart from `Subject.ts`'s on a case-insensitive file system.
        const name = `${file.includes(`${path.sep}internal${path.sep}`) ? "internal-" : ""}${
          path.basename(file, ".ts")
        }`
        fs.writeFileSync(path.join(out, `${name}-${i + 1}.ts`), `${code}\nexport {}\n`)
      })
    }
    assert.isAtLeast(count, 30)
    fs.writeFileSync(
      path.join(out, "tsconfig.json"),
      JSON.stringify({
        extends: "../../../tsconfig.base.json",
        compilerOptions: {
          noEmit: true,
          composite: false,
          declaration: false,
          emitDeclarationOnly: false,
          noUnusedLocals: false,
          rootDir: "."
        },
        include: ["*.ts"]
      })
    )
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(out, "tsconfig.json"), "--pretty", "false"], {
      encoding: "utf8"
    })
    assert.strictEqual(result.status, 0, `examples that do not compile:\n${result.stdout}${result.stderr}`)
  }, 120_000)

  it("every function of Testing has one", () => {
    const text = fs.readFileSync(path.join(root, "packages/core/src/Testing.ts"), "utf8")
    const docs = text.split(/\n(?=\/\*\*)/)
    const functions = docs.filter((block) => /\*\/\nexport const \w+ = /.test(block) && /@category/.test(block))
    assert.isAtLeast(functions.length, 8)
    for (const block of functions) {
      const name = /\*\/\nexport const (\w+)/.exec(block)![1]
      assert.include(block, "@example", `Testing.${name} has no @example`)
    }
  })
})
