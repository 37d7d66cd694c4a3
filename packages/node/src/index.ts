/**
 * Nodes on worker threads: processes on every core, typed subjects across threads, links and monitors across nodes,
 * threads under supervision.
 *
 * @since 1.0.0
 */
export * as Node from "./Node.js"
