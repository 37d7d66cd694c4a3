/** A node's entry: the stage's definition it serves, then the thread runs as a node. */
import { Node } from "@effect-otp/node"
import { Stage } from "./stages.js"

Node.runWorker([Stage])
