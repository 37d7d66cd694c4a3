/**
 * The observer in a real browser: Debian's Chromium, driven by playwright-core, against the bank running in this
 * process. It sees the tree, kills an account actor with the page's button, and sees, through the live updates, the
 * account's node come back with one restart more. It saves the page (1280×800) as `build/observer.png`, and as
 * `docs/observer.png`, the README's screenshot, when that file is missing or `OBSERVER_SCREENSHOT=update` is set
 * (so that a test run leaves the tracked picture alone).
 *
 * Without Chromium (`/usr/bin/chromium`, or `CHROMIUM` in the environment) the test is skipped, saying how to get
 * it; `.ci/run` installs it, so CI always runs this test.
 */
import { Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Logger, Schedule, Scope } from "effect"
import { HttpServer } from "effect/http"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser } from "playwright-core"
import { chromium } from "playwright-core"
import { AppLive } from "../bank/app.js"
import { OBSERVER_PATH, urlOf } from "../bank/http.js"

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium"
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium) {
  console.log(`observer browser test skipped: no Chromium at ${CHROMIUM}; \`apt-get install chromium\` enables it`)
}

const README_SCREENSHOT = fileURLToPath(new URL("../../docs/observer.png", import.meta.url))
const SCREENSHOT = process.env.OBSERVER_SCREENSHOT === "update" || !fs.existsSync(README_SCREENSHOT)
  ? README_SCREENSHOT
  : fileURLToPath(new URL("../../build/observer.png", import.meta.url))
const ACCOUNTS = ["alice", "bob", "carol", "dave", "erin", "frank"]
const VICTIM = "carol"

afterEach(Testing.leakCheck())

/** The bank on `port` (0: a free one) with a fresh store, stopped when the scope closes; its base URL. */
const bank = (port = 0) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.promise(() => fs.promises.mkdtemp(path.join(os.tmpdir(), "effect-otp-observer-test-"))),
      (dir) => Effect.promise(() => fs.promises.rm(dir, { recursive: true, force: true }))
    )
    const context = yield* Layer.build(
      AppLive({ port, dataFile: path.join(dir, "accounts.json"), limit: { rate: 1_000, burst: 1_000 } })
    )
    return urlOf(Context.get(context, HttpServer.HttpServer))
  })

const post = (url: string, body?: unknown) =>
  Effect.promise(() =>
    fetch(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then((r) => r.status)
  )

const browser = Effect.acquireRelease(
  Effect.promise(() => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] })),
  (browser: Browser) => Effect.promise(() => browser.close())
)

describe.skipIf(!hasChromium)("the observer in Chromium, on the bank", () => {
  it.live(
    "shows the tree; a kill from the page is seen as a restart (+1) through the live updates",
    () =>
      Effect.gen(function*() {
        const base = yield* bank()
        for (const id of ACCOUNTS) assert.strictEqual(yield* post(`${base}/accounts/${id}`), 201)
        // A little traffic, so that the table has rates to show.
        yield* Effect.forkScoped(Effect.repeat(
          post(`${base}/accounts/alice/deposit`, { amount: 1 }),
          Schedule.spaced("20 millis")
        ))

        const chrome = yield* browser
        const seen = yield* Effect.promise(async () => {
          const page = await chrome.newPage({ viewport: { width: 1280, height: 800 } })
          const errors: Array<string> = []
          page.on("pageerror", (error) => errors.push(error.message))
          await page.goto(`${base}${OBSERVER_PATH}`)

          // The tree: the root, the accounts' factory supervisor, and one node per account.
          const node = (label: string) => page.locator(`[data-testid="tree-node"][data-label="${label}"]`)
          await node("bank/root").waitFor()
          await node("bank/Accounts").waitFor()
          for (const id of ACCOUNTS) await node(id).waitFor()
          await page.getByTestId("connection").and(page.locator(`[data-state="live"]`)).waitFor()
          const before = Number(await node(VICTIM).getAttribute("data-restarts"))
          const pid = await node(VICTIM).getAttribute("data-pid")

          // Its details, then the kill button (enabled: the bank mounts the observer with allowKill).
          await node(VICTIM).click()
          await page.getByTestId("details-pid").filter({ hasText: pid! }).waitFor()
          await page.getByTestId("kill").click()

          // The live updates show it back, with one restart more and a new pid.
          await page.locator(`[data-testid="tree-node"][data-label="${VICTIM}"][data-restarts="${before + 1}"]`)
            .waitFor({ timeout: 10_000 })
          const after = await node(VICTIM).getAttribute("data-pid")
          // The details followed the account to its new pid: the supervisor's reports about the restart are there.
          await page.getByTestId("report").filter({ hasText: `restarted as ${after}` }).waitFor()
          await page.getByTestId("process-row").first().waitFor()
          await page.screenshot({ path: SCREENSHOT })
          return { before, pid, after, errors }
        })
        assert.strictEqual(seen.before, 0)
        assert.notStrictEqual(seen.after, seen.pid)
        assert.deepStrictEqual(seen.errors, [])
      }).pipe(Effect.provide(Logger.layer([]))),
    60_000
  )

  it.live(
    "says when the connection is lost, and reconnects by itself when the server is back",
    () =>
      Effect.gen(function*() {
        const first = yield* Scope.make()
        const base = yield* bank().pipe(Scope.provide(first))
        const chrome = yield* browser
        const page = yield* Effect.promise(async () => {
          const page = await chrome.newPage({ viewport: { width: 1280, height: 800 } })
          await page.goto(`${base}${OBSERVER_PATH}`)
          await page.locator(`[data-testid="connection"][data-state="live"]`).waitFor()
          return page
        })
        yield* Scope.close(first, Exit.void)
        yield* Effect.promise(() => page.locator(`[data-testid="connection"][data-state="lost"]`).waitFor())
        // The bank again, on the same port: the page follows it without a reload.
        yield* bank(Number(new URL(base).port))
        yield* Effect.promise(async () => {
          await page.locator(`[data-testid="connection"][data-state="live"]`).waitFor({ timeout: 10_000 })
          await page.locator(`[data-testid="tree-node"][data-label="bank/Accounts"]`).waitFor()
        })
      }).pipe(Effect.provide(Logger.layer([]))),
    60_000
  )
})
