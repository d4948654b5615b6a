import Foundation

/// Elements waiting for a due time, released soonest first (and in insertion order for equal times).
struct TimerQueue<Element> {
    /// Sorted by (due, order) descending, so the next due element is last.
    private var items: [(due: Date, order: UInt64, element: Element)] = []
    private var insertions: UInt64 = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    /// When the soonest element is due.
    var nextDue: Date? { items.last?.due }

    mutating func insert(_ element: Element, due: Date) {
        let order = insertions
        insertions += 1
        // First index whose item sorts before the new one (is due earlier).
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle].due > due || (items[middle].due == due && items[middle].order > order) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        items.insert((due, order, element), at: low)
    }

    /// Removes and returns the elements due at `now`, soonest first.
    mutating func popDue(asOf now: Date) -> [Element] {
        var due: [Element] = []
        while let last = items.last, last.due <= now {
            due.append(last.element)
            items.removeLast()
        }
        return due
    }

    /// Every element, in no particular order.
    var elements: some Sequence<Element> { items.lazy.map(\.element) }
}
