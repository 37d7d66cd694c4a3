/**
 * The entry of the threads cases' nodes: loads the actor definitions, runs the thread as a node. `main.ts` bundles
 * it with esbuild (effect included: a thread starts 3-4 times faster) into `build/threads-worker.mjs`.
 */
import { Node } from "@effect-otp/node"
import "./threads-actors.js"

Node.runWorker()
