import Synchronization

/// A switch a keyed subscriber holds for its transport (`StatePrefetch.ownWrites`): while on, the state read with a
/// message is only its named fields when the reading consumer wrote it last (the subscriber keeps what it wrote, so
/// the rest would be read for nothing). The subscriber turns it off while what it keeps does not match what it reads
/// (instances it dropped, or written by other workers), so that a miss does not cost reads of its own. Compared by
/// identity.
public final class OwnWriteHint: Sendable, Hashable {
    private let on: Atomic<Bool>

    public init(on: Bool = false) {
        self.on = Atomic(on)
    }

    /// Whether the prefetch reads only the named fields after an own write.
    public var isOn: Bool { on.load(ordering: .relaxed) }

    public func set(_ value: Bool) {
        on.store(value, ordering: .relaxed)
    }

    public static func == (lhs: OwnWriteHint, rhs: OwnWriteHint) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}
