/**
 * The page: one HTML file, one stylesheet and one small script, shipped in the package's `static/` folder and read
 * from there at run time (no bundler). This module sits two folders below the package root both as source
 * (`src/internal/assets.ts`) and as build (`dist/internal/assets.js`), so `../../static/` finds them from either.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"

/** The folder of the static files. @internal */
export const staticDir = (): URL => new URL("../../static/", import.meta.url)

/** The three files, as text; the page with its `<base href>` set to where the observer is mounted. @internal */
export interface Assets {
  readonly html: string
  readonly css: string
  readonly js: string
}

const BASE = "{{base}}"

const escapeAttribute = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/**
 * Reads the files once, when the observer's layer is built. A missing file is a broken installation: a defect
 * saying where they were looked for.
 * @internal
 */
export const load = (prefix: string): Effect.Effect<Assets> =>
  Effect.orDie(Effect.tryPromise({
    try: async () => {
      const read = (file: string) => readFile(new URL(file, staticDir()), "utf8")
      const [html, css, js] = await Promise.all([read("index.html"), read("observer.css"), read("observer.js")])
      // Every URL in the page is relative to this base: it works at `/observer` and at `/observer/` alike.
      return { html: html.replace(BASE, escapeAttribute(`${prefix}/`)), css, js }
    },
    catch: (cause) =>
      new Error(`@effect-otp/observer: cannot read its page from ${fileURLToPath(staticDir())}: ${String(cause)}`)
  }))
