// vitest 5 reads test projects from `test.projects` and ignores `vitest.workspace.ts`; that file stays the one list
// of test projects, and this config takes it from there.
import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

export default defineConfig({
  test: { projects }
})
