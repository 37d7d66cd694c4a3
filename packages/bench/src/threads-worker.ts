/**
 * The entry of the threads cases' nodes: loads the actor definitions, runs the thread as a node. `main.ts` bundles
 * it with esbuild (effect included: a thread starts 3-4 times faster) into `build/threads-worker.mjs`.
 * `BENCH_SPIN_MICROS` (in the environment the thread was started with) turns on the transport's busy-wait.
 */
import { Node } from "@effect-otp/node"
import "./threads-actors.js"

Node.setSpin(Number(process.env.BENCH_SPIN_MICROS ?? 0) / 1000)
Node.runWorker()
