import Foundation

/// The co-located state store of `InMemoryTransport`: versioned values made of named fields, and sets, keyed by
/// `StateKey.name`. A value may expire (`StateWrite.Operation.expire`): every use says what time it is, and an
/// expired value is never shown, as Redis never shows an expired key.
struct InMemoryStateStore {
    private struct Stored {
        var version: Int
        var fields: [String: [UInt8]]
        /// When the value goes by itself, if it expires.
        var expiresAt: Date? = nil

        func isLive(at now: Date) -> Bool { expiresAt.map { now < $0 } ?? true }
    }

    private var values: [String: Stored] = [:]
    private var sets: [String: Set<String>] = [:]
    /// The values with an expiry, by due time (an entry whose value was since rewritten or deleted is skipped).
    private var expiries = TimerQueue<(name: String, expiresAt: Date)>()

    /// The value stored under `name` at `now`: nil if there is none, or if it expired.
    private func live(_ name: String, at now: Date) -> Stored? {
        values[name].flatMap { $0.isLive(at: now) ? $0 : nil }
    }

    /// Deletes the values whose expiry is at or before `now` (they are not shown before: this frees them).
    private mutating func forgetExpired(asOf now: Date) {
        guard let next = expiries.nextDue, next <= now else { return }
        for (name, expiresAt) in expiries.popDue(asOf: now) where values[name]?.expiresAt == expiresAt {
            values[name] = nil
        }
    }

    /// The value as `put` stored it.
    func value(_ key: StateKey, at now: Date) -> VersionedValue? {
        live(key.name, at: now).map { StateFields(version: $0.version, fields: $0.fields, isComplete: true).blob }
    }

    /// Some fields of a value (every field when `names` is nil).
    func fields(_ key: StateKey, _ names: [String]?, at now: Date) -> StateFields? {
        guard let stored = live(key.name, at: now) else { return nil }
        guard let names else { return StateFields(version: stored.version, fields: stored.fields, isComplete: true) }
        var found: [String: [UInt8]] = [:]
        for name in names { found[name] = stored.fields[name] }
        return StateFields(version: stored.version, fields: found, isComplete: found.count == stored.fields.count)
    }

    /// What a keyed subscription prefetches: the prefetch's fields, or every field of a small value.
    func prefetched(_ key: StateKey, _ prefetch: StatePrefetch, at now: Date) -> StateFields? {
        guard let stored = live(key.name, at: now) else { return nil }
        return fields(key, stored.fields.count <= prefetch.wholeUpTo ? nil : prefetch.fields, at: now)
    }

    func members(of key: StateKey) -> Set<String> { sets[key.name] ?? [] }

    /// Every value with all its fields, by key name (for inspection).
    func allFields(at now: Date) -> [String: StateFields] {
        values.filter { $0.value.isLive(at: now) }.mapValues {
            StateFields(version: $0.version, fields: $0.fields, isComplete: true)
        }
    }

    /// The first write whose `expectedVersion` does not match the key's version before the commit (0 when
    /// the key is absent), if any. Like the Redis script, every check reads the state as it was before the
    /// commit; set operations have no version and are not checked.
    func conflict(in writes: [StateWrite], at now: Date) -> StateWrite? {
        writes.first { write in
            guard let expected = write.expectedVersion else { return false }
            switch write.operation {
            case .put, .setFields, .delete: return (live(write.key.name, at: now)?.version ?? 0) != expected
            case .expire, .addToSet, .removeFromSet: return false
            }
        }
    }

    /// Applies `writes` in order at `now` (expired values gone first, an expiry counting from `now`). Check
    /// `conflict(in:at:)` first.
    mutating func apply(_ writes: [StateWrite], at now: Date) {
        forgetExpired(asOf: now)
        for write in writes {
            let name = write.key.name
            switch write.operation {
            case .put(let bytes):
                values[name] = Stored(
                    version: (values[name]?.version ?? 0) + 1, fields: [StateFields.blobField: bytes])
            case .setFields(let set, let removing, let replacingAll):
                var stored = values[name] ?? Stored(version: 0, fields: [:])
                stored.version += 1
                if replacingAll {
                    stored.fields = [:]
                    stored.expiresAt = nil
                }
                for field in removing { stored.fields[field] = nil }
                stored.fields.merge(set) { _, new in new }
                values[name] = stored
            case .delete:
                values[name] = nil
            case .expire(let after):
                guard values[name] != nil else { continue }
                let expiresAt = now.addingTimeInterval(after.timeInterval)
                values[name]!.expiresAt = expiresAt
                expiries.insert((name, expiresAt), due: expiresAt)
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

    /// How many values (expired ones forgotten) and sets are stored.
    mutating func count(at now: Date) -> (values: Int, sets: Int) {
        forgetExpired(asOf: now)
        return (values.count, sets.count)
    }
}
