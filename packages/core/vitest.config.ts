import { defineProject } from "vitest/config"

export default defineProject({
  // Node tests resolve through Vite's ssr environment: "@effect-otp/source" maps @effect-otp/core to its .ts sources
  // (no build needed); Vite's default conditions stay, as this list is added to them. Vitest also hands these
  // conditions to the test workers' Node (`--conditions`), so a `require.resolve` in a test sees the sources too.
  ssr: { resolve: { conditions: ["@effect-otp/source"] } },
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    sequence: { concurrent: false }
  }
})
