/// The co-located state store of `InMemoryTransport`: versioned values and sets, keyed by `StateKey.name`.
struct InMemoryStateStore {
    private var values: [String: VersionedValue] = [:]
    private var sets: [String: Set<String>] = [:]

    func value(_ key: StateKey) -> VersionedValue? { values[key.name] }

    func members(of key: StateKey) -> Set<String> { sets[key.name] ?? [] }

    /// The first write whose `expectedVersion` does not match the key's version before the commit (0 when
    /// the key is absent), if any. Like the Redis script, every check reads the state as it was before the
    /// commit; set operations have no version and are not checked.
    func conflict(in writes: [StateWrite]) -> StateWrite? {
        writes.first { write in
            guard let expected = write.expectedVersion else { return false }
            switch write.operation {
            case .put, .delete: return (values[write.key.name]?.version ?? 0) != expected
            case .addToSet, .removeFromSet: return false
            }
        }
    }

    /// Applies `writes` in order. Check `conflict(in:)` first.
    mutating func apply(_ writes: [StateWrite]) {
        for write in writes {
            let name = write.key.name
            switch write.operation {
            case .put(let bytes):
                values[name] = VersionedValue(bytes: bytes, version: (values[name]?.version ?? 0) + 1)
            case .delete:
                values[name] = nil
            case .addToSet(let members):
                guard !members.isEmpty else { continue }
                sets[name, default: []].formUnion(members)
            case .removeFromSet(let members):
                guard var set = sets[name] else { continue }
                set.subtract(members)
                sets[name] = set.isEmpty ? nil : set
            }
        }
    }

    /// How many values and sets are stored.
    var count: (values: Int, sets: Int) { (values.count, sets.count) }
}
