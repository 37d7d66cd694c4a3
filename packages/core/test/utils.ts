import { afterEach } from "@effect/vitest"
import { Testing } from "../src/index.js"

/**
 * The kit's leak check as a file's hook: `afterEach(Testing.leakCheck())`, which the test files write themselves.
 * Kept only for `Testing.test.ts`, which still imports it.
 */
export const checkNoProcessLeft = () => afterEach(Testing.leakCheck())
