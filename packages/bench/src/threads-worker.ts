/**
 * The entry of the threads cases' nodes: loads the actor definitions, runs the thread as a node. `main.ts` bundles
 * it with esbuild into `build/threads-worker.mjs` beside the runner's bundle.
 */
import { Node } from "@effect-otp/node"
import "./threads-actors.js"

Node.runWorker()
