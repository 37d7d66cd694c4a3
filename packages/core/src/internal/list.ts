/**
 * An intrusive doubly linked list: the links live in the elements, so appending and unlinking allocate nothing and
 * take O(1). The processes of a scope group and the live timers of one duration are kept this way.
 *
 * @internal
 */

/** An element of a `List`: its neighbours, `undefined` at the ends and when it is in no list. @internal */
export interface Linked<N> {
  prev: N | undefined
  next: N | undefined
}

/** @internal */
export class List<N extends Linked<N>> {
  head: N | undefined = undefined
  tail: N | undefined = undefined

  append(node: N): void {
    node.prev = this.tail
    if (this.tail === undefined) this.head = node
    else this.tail.next = node
    this.tail = node
  }

  unlink(node: N): void {
    if (node.prev === undefined) this.head = node.next
    else node.prev.next = node.next
    if (node.next === undefined) this.tail = node.prev
    else node.next.prev = node.prev
    node.prev = node.next = undefined
  }
}
