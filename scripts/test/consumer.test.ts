/**
 * The package as a user gets it: `npm pack` of packages/core (its prepack builds dist/), installed from the tarball
 * into a fresh project outside the workspace, next to the `effect`, TypeScript, tsx and @types/node versions the
 * workspace uses. The install command and the first program are taken from the README's "Install" section, so the
 * README cannot drift from what works. Then: the first program compiled by plain `tsc` (NodeNext) and run by
 * `node`; a supervised actor run by `tsx`; a misuse that must fail to typecheck; and the package's shape (no tests
 * inside, internals closed). Last, `@effect-otp/observer` is packed and installed the same way, and serves its page
 * (read from the installed package's `static/`) from its build.
 */
import type { SpawnSyncReturns } from "node:child_process"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  readonly devDependencies: Record<string, string>
}
const pinned = (name: string): string => {
  const version = rootManifest.devDependencies[name]
  assert.match(version ?? "", /^\d+\.\d+\.\d+$/, `the workspace pins ${name} to an exact version`)
  return version!
}

/** The fenced code blocks under the README's "## Install" heading, up to the next "## " heading. */
const installBlocks = (): ReadonlyArray<{ readonly lang: string; readonly code: string }> => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
  const start = readme.indexOf("\n## Install\n")
  assert.isAtLeast(start, 0, "README.md has an \"## Install\" section")
  const end = readme.indexOf("\n## ", start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  return Array.from(section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm), (m) => ({ lang: m[1]!, code: m[2]! }))
}

const MINUTES = 60_000
let tmp = ""
let app = ""
let tarball = ""
let fromReadme = { packages: [] as ReadonlyArray<string>, program: "" }

/**
 * The environment of the npm and node children: without what `npm run` sets about this workspace (its prefix, its
 * package, its script, its allowed install scripts), so that the child npm works on the consumer project; the
 * user's own npm settings (registry, proxy, cache, certificates, userconfig) are kept.
 */
const WORKSPACE_VARIABLES =
  /^(npm_package_|npm_lifecycle_|npm_command$|npm_execpath$|npm_node_execpath$|npm_config_(local_prefix|prefix|global_prefix|allow_scripts|init_module)$|INIT_CWD$|NODE_OPTIONS$)/i
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !WORKSPACE_VARIABLES.test(key)))

const run = (command: string, args: ReadonlyArray<string>, cwd: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 5 * MINUTES, maxBuffer: 64 * 1024 * 1024 })

const ok = (result: SpawnSyncReturns<string>, what: string): string => {
  assert.strictEqual(
    result.status,
    0,
    `${what} failed (${result.error ?? result.signal ?? result.status}):\n` +
      `${result.stdout}\n${result.stderr}`
  )
  return result.stdout
}

/** Runs a package's bin with this Node (the workspace's Node 22), in the consumer project. */
const bin = (pkg: string, args: ReadonlyArray<string>): SpawnSyncReturns<string> => {
  const dir = path.join(app, "node_modules", pkg)
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
    readonly bin: string | Record<string, string>
  }
  const file = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin)[0]!
  return run(process.execPath, [path.join(dir, file), ...args], app)
}

const write = (file: string, content: unknown) =>
  fs.writeFileSync(path.join(app, file), typeof content === "string" ? content : JSON.stringify(content, null, 2))

const SUPERVISED = `import * as Actor from "@effect-otp/core/Actor"
import * as StaticSupervisor from "@effect-otp/core/StaticSupervisor"
import type * as Subject from "@effect-otp/core/Subject"
import { send } from "@effect-otp/core/Subject"
import { Context, Effect, Logger, Schedule } from "effect"

type Msg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Crash" }

class Counter extends Context.Service<Counter, Subject.Subject<Msg>>()("consumer/Counter") {}

const counter = Actor.new(0).pipe(Actor.onMessage((count, msg: Msg) => {
  switch (msg._tag) {
    case "Add":
      return Effect.succeed(Actor.continue(count + msg.n))
    case "Get":
      return Effect.as(send(msg.replyTo, count), Actor.continue(count))
    case "Crash":
      return Effect.die(new Error("asked to crash"))
  }
}))

const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Actor.toLayer(Counter, counter))

const get = (subject: Subject.Subject<Msg>) =>
  Actor.call(subject, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second").pipe(
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 100 }) // while the supervisor restarts it
  )

const program = Effect.gen(function*() {
  const subject = yield* Counter
  yield* Actor.send(subject, { _tag: "Add", n: 5 })
  console.log(\`before the crash: \${yield* get(subject)}\`)
  yield* Actor.send(subject, { _tag: "Crash" })
  console.log(\`after the restart: \${yield* get(subject)}\`) // the same name, a fresh state
})

// The crash and the restart are reported through Effect's Logger: one line each here (logfmt).
Effect.runPromise(program.pipe(Effect.provide(AppLive), Effect.scoped, Effect.provide(Logger.layer([Logger.consoleLogFmt])))).then(
  () => console.log("the tree stopped with its scope"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
`

/** Sends a string to an actor whose messages are numbers: the compiler must refuse it, on this line. */
const MISUSE = `import { Actor } from "@effect-otp/core"
import { Effect } from "effect"

export const program = Effect.gen(function*() {
  const adder = yield* Actor.new(0).pipe(
    Actor.onMessage((total, n: number) => Effect.succeed(Actor.continue(total + n))),
    Actor.start
  )
  yield* Actor.send(adder.data, "forty-two")
})
`

describe("the packed @effect-otp/core in a fresh project outside the workspace", () => {
  beforeAll(() => {
    const blocks = installBlocks()
    const command = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.code.split("\n"))
      .find((line) => line.startsWith("npm install "))
    assert.isDefined(command, "the Install section has an `npm install` command")
    fromReadme = {
      packages: command!.slice("npm install ".length).split("#")[0]!.trim().split(/\s+/),
      program: blocks.find((b) => b.lang === "ts")?.code ?? ""
    }
    assert.include(fromReadme.program, "@effect-otp/core", "the Install section has a first program")

    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-consumer-")))
    ok(
      run("npm", ["pack", "--pack-destination", tmp, "--no-audit", "--no-fund"], path.join(root, "packages/core")),
      "npm pack"
    )
    const packed = fs.readdirSync(tmp).filter((file) => file.endsWith(".tgz"))
    assert.lengthOf(packed, 1)
    tarball = path.join(tmp, packed[0]!)

    app = path.join(tmp, "app")
    fs.mkdirSync(app)
    write("package.json", {
      name: "effect-otp-consumer",
      private: true,
      type: "module",
      devDependencies: {
        "@types/node": pinned("@types/node"),
        tsx: pinned("tsx"),
        typescript: pinned("typescript")
      }
    })
    // The README's command, with the package as the tarball and effect at the workspace's version.
    const installing = fromReadme.packages.map((name) =>
      name === "@effect-otp/core" ? tarball : name === "effect" ? `effect@${pinned("effect")}` : name
    )
    ok(run("npm", ["install", ...installing, "--prefer-offline", "--no-audit", "--no-fund"], app), "npm install")

    write("tsconfig.json", {
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        strict: true,
        types: ["node"],
        outDir: "out"
      },
      files: ["main.ts", "supervised.ts"]
    })
    write("main.ts", fromReadme.program)
    write("supervised.ts", SUPERVISED)
    write("tsconfig.misuse.json", {
      extends: "./tsconfig.json",
      compilerOptions: { noEmit: true },
      files: ["misuse.ts"]
    })
    write("misuse.ts", MISUSE)
  }, 10 * MINUTES)

  // Removing a whole node_modules takes seconds, and more than vitest's default 10 s hook timeout on a loaded machine.
  afterAll(() => {
    if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
  }, 2 * MINUTES)

  it("the README's install command names the package and effect, nothing else", () => {
    assert.sameMembers([...fromReadme.packages], ["@effect-otp/core", "effect"])
    const manifest = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8")) as {
      readonly dependencies: Record<string, string>
    }
    assert.match(manifest.dependencies["@effect-otp/core"]!, /^file:.*\.tgz$/)
    const effect = JSON.parse(fs.readFileSync(path.join(app, "node_modules/effect/package.json"), "utf8"))
    assert.strictEqual(effect.version, pinned("effect"))
  })

  it("the README's first program compiles with plain tsc (NodeNext, strict) and runs on node", () => {
    ok(bin("typescript", ["-p", "."]), "tsc")
    const result = run(process.execPath, ["out/main.js"], app)
    ok(result, "node out/main.js")
    assert.strictEqual(result.stdout, "count: 42\n")
  }, 5 * MINUTES)

  it("a supervisor restarts a crashed actor, built from Layers and the per-module entry points, under tsx", () => {
    const result = bin("tsx", ["supervised.ts"])
    ok(result, "tsx supervised.ts")
    const lines = result.stdout.trimEnd().split("\n")
    const logged = lines.filter((line) => line.startsWith("timestamp="))
    assert.deepStrictEqual(
      lines.filter((line) => !line.startsWith("timestamp=")),
      ["before the crash: 5", "after the restart: 0", "the tree stopped with its scope"]
    )
    // The packaged library reports the crash (the actor's crash report, its supervisor's) and the restart.
    assert.lengthOf(logged, 3)
    assert.match(
      logged[0]!,
      /level=ERROR .*message="actor consumer\/Counter\$\d+ terminating: Abnormal\(Error: asked to crash\)"/
    )
    assert.match(
      logged[1]!,
      /level=ERROR .*message="child consumer\/Counter \(<0\.\d+>\) terminated: Abnormal\(Error: asked to crash\)"/
    )
    assert.match(logged[2]!, /level=INFO .*message="child consumer\/Counter restarted as <0\.\d+>"/)
  }, 5 * MINUTES)

  it("sending a string to an actor of numbers does not compile", () => {
    const result = bin("typescript", ["--noEmit", "-p", "tsconfig.misuse.json", "--pretty", "false"])
    assert.strictEqual(result.status, 2, `tsc should fail with errors:\n${result.stdout}\n${result.stderr}`)
    const lines = MISUSE.split("\n")
    const line = lines.findIndex((l) => l.includes("\"forty-two\""))
    const column = lines[line]!.indexOf("\"forty-two\"")
    const errors = result.stdout.split("\n").filter((l) => l.includes("error TS"))
    assert.deepStrictEqual(errors, [
      `misuse.ts(${line + 1},${
        column + 1
      }): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.`
    ])
  }, 5 * MINUTES)

  it("the installed package has the build, the sources of its maps and no tests; internals stay closed", () => {
    const installed = path.join(app, "node_modules/@effect-otp/core")
    const files = (fs.readdirSync(installed, { recursive: true }) as Array<string>)
      .filter((file) => fs.statSync(path.join(installed, file)).isFile())
    // CHANGELOG.md appears with the first `npm run version-packages`.
    const top = Array.from(new Set(files.map((file) => file.split(path.sep)[0]!))).filter((f) => f !== "CHANGELOG.md")
    assert.sameMembers(top, ["dist", "src", "package.json", "README.md", "LICENSE"])
    for (const file of ["index.js", "index.js.map", "index.d.ts", "index.d.ts.map", "Actor.js", "Actor.d.ts"]) {
      assert.include(files, path.join("dist", file))
    }
    assert.include(files, path.join("src", "index.ts"))
    const unwanted = files.filter((file) =>
      file.split(path.sep).some((part) => part === "test" || part === "soak") || /\.test\.|tsbuildinfo/.test(file)
    )
    assert.deepStrictEqual(unwanted, [])

    const probe = run(process.execPath, [
      "--input-type=module",
      "-e",
      `console.log(import.meta.resolve("@effect-otp/core"))
await import("@effect-otp/core/internal/process").then(() => console.log("imported"), (e) => console.log(e.code))`
    ], app)
    ok(probe, "node -e import(...)")
    assert.deepStrictEqual(probe.stdout.trim().split("\n"), [
      `file://${installed}/dist/index.js`,
      "ERR_PACKAGE_PATH_NOT_EXPORTED"
    ])
  }, 5 * MINUTES)

  // Last: it adds @effect-otp/observer (packed like the core) and the Node platform to the same project.
  it("the packed @effect-otp/observer serves its page from its build and its static files", () => {
    ok(
      run("npm", ["pack", "--pack-destination", tmp, "--no-audit", "--no-fund"], path.join(root, "packages/observer")),
      "npm pack (observer)"
    )
    const observer = fs.readdirSync(tmp).find((file) => file.startsWith("effect-otp-observer-"))
    assert.isDefined(observer)
    ok(
      run("npm", [
        "install",
        path.join(tmp, observer!),
        `@effect/platform-node@${pinned("@effect/platform-node")}`,
        "--prefer-offline",
        "--no-audit",
        "--no-fund"
      ], app),
      "npm install (observer)"
    )
    write(
      "observer.mjs",
      `import { Observer } from "@effect-otp/observer"
import { Effect, Exit, Layer, Logger, Scope } from "effect"

const lines = []
const capture = Logger.make(({ message }) => lines.push([message].flat().join(" ")))
const scope = Effect.runSync(Scope.make())
await Effect.runPromise(Layer.buildWithScope(Observer.serve({ port: 0 }).pipe(Layer.provide(Observer.layerReports)), scope).pipe(Effect.provide(Logger.layer([capture]))))
console.log(lines[0].replace(/:\\d+\\//, ":PORT/"))
const base = lines[0].split(" ")[1]
for (const file of ["", "/observer.css", "/observer.js", "/api/snapshot"]) {
  const response = await fetch(base + file)
  console.log(file || "/", response.status, response.headers.get("content-type"), (await response.text()).length > 0)
}
await Effect.runPromise(Scope.close(scope, Exit.void))
`
    )
    const result = run(process.execPath, ["observer.mjs"], app)
    ok(result, "node observer.mjs")
    assert.deepStrictEqual(result.stdout.trim().split("\n"), [
      "observer: http://127.0.0.1:PORT/observer (bound to 127.0.0.1 only)",
      "/ 200 text/html; charset=utf-8 true",
      "/observer.css 200 text/css; charset=utf-8 true",
      "/observer.js 200 text/javascript; charset=utf-8 true",
      "/api/snapshot 200 application/json true"
    ])
    const installed = path.join(app, "node_modules/@effect-otp/observer")
    assert.sameMembers(
      fs.readdirSync(installed).filter((file) => file !== "CHANGELOG.md"),
      ["dist", "src", "static", "package.json", "README.md", "LICENSE"]
    )
  }, 5 * MINUTES)
})
