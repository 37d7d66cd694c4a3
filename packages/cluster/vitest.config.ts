import { defineProject } from "vitest/config"

export default defineProject({
  // Node tests resolve through Vite's ssr environment: "@effect-otp/source" maps @effect-otp/core and this package to
  // their .ts sources (no build needed); Vite's default conditions stay, as this list is added to them.
  ssr: { resolve: { conditions: ["@effect-otp/source"] } },
  test: {
    name: "cluster",
    include: ["test/**/*.test.ts"],
    sequence: { concurrent: false }
  }
})
