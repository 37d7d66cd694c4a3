/** A node's entry: loads the stage's definition, then runs the thread as a node. */
import { Node } from "@effect-otp/node"
import "./stages.js"

Node.runWorker()
