/** Node b of the differential tests: loads the agent's definition and runs as a node. */
import { Node } from "@effect-otp/node"
import { Agent } from "./agent.js"

Node.runWorker([Agent])
