import Synchronization

/// Which signal of a receive the next await of its `Deferred` takes: the `k`-th await takes slot
/// `min(k, limit)` (see `ReceiveSlots`). Replays await in the same order, so they take the same slots.
final class ReceiveCursor: Sendable {
    let receiveId: String
    let limit: Int
    private let awaited = Mutex(0)

    init(receiveId: String, limit: Int) {
        self.receiveId = receiveId
        self.limit = limit
    }

    /// The step of the next await, without taking it.
    var current: StepSpec {
        awaited.withLock { .command(ReceiveSlots.id(receiveId, slot: min($0 + 1, limit))) }
    }

    /// The step of the next await, taken.
    func consume() -> StepSpec {
        awaited.withLock { count in
            count += 1
            return .command(ReceiveSlots.id(receiveId, slot: min(count, limit)))
        }
    }
}
