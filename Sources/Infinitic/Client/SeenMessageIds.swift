/// The ids of the last messages received, to drop redeliveries (delivery is at least once).
struct SeenMessageIds {
    private var ids: Set<String> = []
    private var order: [String] = []
    private var oldest = 0
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// Records `id`; false if it was seen already.
    mutating func insert(_ id: String) -> Bool {
        guard ids.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            ids.remove(order[oldest])
            order[oldest] = id
            oldest = (oldest + 1) % capacity
        }
        return true
    }

    /// Forgets `id` (it may be recorded again; its old place in the ring is dropped when its turn comes).
    mutating func remove(_ id: String) {
        ids.remove(id)
    }
}
