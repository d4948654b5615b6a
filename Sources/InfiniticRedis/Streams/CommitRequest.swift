import Foundation
import InfiniticTransport

/// One atomic step for the `commit` script: acknowledge input entries (and release their key lock) together
/// with version checks, state writes and messages. Without entries it only publishes and writes.
struct CommitRequest: Sendable {
    /// The input entries to acknowledge (a batch; the first holds the key lock); empty to only apply the ops.
    var entryIDs: [String]
    /// The key lock and park list of the input entries, on keyed topics.
    var lock: (lock: String, park: String)?
    /// (state key, expected version): all must match or nothing applies.
    var checks: [(key: String, version: Int)] = []
    var ops: [CommitOp] = []

    init(entryIDs: [String] = [], ops: [CommitOp] = []) {
        self.entryIDs = entryIDs
        self.ops = ops
    }

    /// Only acknowledgements: sent as plain `XACK`/`XDEL`, batched.
    var isPlainAck: Bool { !entryIDs.isEmpty && lock == nil && checks.isEmpty && ops.isEmpty }
}

/// An effect of a commit, on keys of the input's partition.
enum CommitOp: Sendable {
    /// `XADD stream * fields`, then `PEXPIRE stream` if the topic expires when idle; `XADD stream MAXLEN ~ n *
    /// fields` if it retains about n entries.
    case append(stream: String, fields: [EntryField], expireAfterMilliseconds: Int? = nil, maxLength: Int? = nil)
    /// Schedule a message (once per publication id), due at an instant (ms since 1970) or after a delay
    /// measured by Redis; `set` holds the ids by due time, `data` their fields. When it becomes the soonest
    /// due, a wake marker is appended to `stream` so that idle consumers look at the schedule again.
    case schedule(set: String, data: String, stream: String, id: String, due: Due, fields: [EntryField])
    /// Store a value, incrementing its version.
    case put(key: String, value: [UInt8])
    /// Set and remove fields of a value (every other field removed first with `replacingAll`), incrementing its
    /// version.
    case setFields(key: String, set: [(String, [UInt8])], removing: [String], replacingAll: Bool)
    case delete(key: String)
    /// `PEXPIRE key ms` (Redis deletes the key at once for ms ≤ 0).
    case expire(key: String, milliseconds: Int)
    case addMembers(key: String, members: [String])
    case removeMembers(key: String, members: [String])

    enum Due: Sendable {
        case at(milliseconds: Int)
        case after(milliseconds: Int)
    }
}

/// A field of a stream entry.
typealias EntryField = RedisStreamEntry.Field

/// What became of a commit.
enum CommitOutcome: Sendable {
    /// Applied; the key lock was handed to these parked messages (a batch, possibly empty), which the committer
    /// must process next.
    case applied(handedOver: [ReceivedMessage])
    /// A version check failed on this key; nothing was applied.
    case conflict(key: String)
}

/// Encodes a batch of commits as one call of `StreamScripts.commit`, numbering the keys they use.
struct CommitBatchEncoder {
    private var keys: [String]
    private var keyIndex: [String: Int]
    private var arguments = RedisCommand.argumentList()
    private(set) var count = 0

    init(inputStream: String) {
        keys = [inputStream]
        keyIndex = [inputStream: 1]
    }

    private mutating func index(_ key: String) -> Int {
        if let existing = keyIndex[key] { return existing }
        keys.append(key)
        keyIndex[key] = keys.count
        return keys.count
    }

    mutating func add(_ request: CommitRequest) {
        count += 1
        arguments.append(request.entryIDs.count)
        arguments.append(contentsOf: request.entryIDs)
        if let lock = request.lock {
            arguments.append(index(lock.lock))
            arguments.append(index(lock.park))
        } else {
            arguments.append(0)
            arguments.append(0)
        }
        arguments.append(request.checks.count)
        for check in request.checks {
            arguments.append(index(check.key))
            arguments.append(check.version)
        }
        arguments.append(request.ops.count)
        for op in request.ops {
            switch op {
            case .append(let stream, let fields, let expiry, let maxLength):
                if let maxLength {
                    arguments.append("M")
                    arguments.append(index(stream))
                    arguments.append(maxLength)
                } else if let expiry {
                    arguments.append("Y")
                    arguments.append(index(stream))
                    arguments.append(expiry)
                } else {
                    arguments.append("X")
                    arguments.append(index(stream))
                }
                append(fields)
            case .schedule(let set, let data, let stream, let id, let due, let fields):
                arguments.append("Z")
                arguments.append(index(set))
                arguments.append(index(data))
                arguments.append(index(stream))
                arguments.append(id)
                switch due {
                case .at(let milliseconds):
                    arguments.append("a")
                    arguments.append(milliseconds)
                case .after(let milliseconds):
                    arguments.append("d")
                    arguments.append(milliseconds)
                }
                append(fields)
            case .put(let key, let value):
                arguments.append("P")
                arguments.append(index(key))
                arguments.append(bytes: value)
            case .setFields(let key, let set, let removing, let replacingAll):
                arguments.append("U")
                arguments.append(index(key))
                arguments.append(replacingAll ? "1" : "0")
                arguments.append(set.count)
                for (field, value) in set {
                    arguments.append(field)
                    arguments.append(bytes: value)
                }
                arguments.append(removing.count)
                arguments.append(contentsOf: removing)
            case .delete(let key):
                arguments.append("D")
                arguments.append(index(key))
            case .expire(let key, let milliseconds):
                arguments.append("E")
                arguments.append(index(key))
                arguments.append(milliseconds)
            case .addMembers(let key, let members), .removeMembers(let key, let members):
                if case .addMembers = op { arguments.append("S") } else { arguments.append("R") }
                arguments.append(index(key))
                arguments.append(members.count)
                arguments.append(contentsOf: members)
            }
        }
    }

    private mutating func append(_ fields: [EntryField]) {
        arguments.append(fields.count * 2)
        for field in fields {
            arguments.append(field.name)
            arguments.append(bytes: field.value)
        }
    }

    /// The `EVALSHA` call for the batch.
    func command(
        group: String, consumer: String, lockTTL: Int, shared: Bool, statePrefix: String, prefetchSpec: String,
        keyBatchSize: Int
    ) -> EVALSHA<RedisReply> {
        var command = RedisCommand.argumentList()
        command.append(group)
        command.append(consumer)
        command.append(lockTTL)
        command.append(shared ? "1" : "0")
        command.append(count)
        command.append(statePrefix)
        command.append(prefetchSpec)
        command.append(keyBatchSize)
        command.append(contentsOf: arguments)
        return StreamScripts.commit.call(keys: keys, arguments: command)
    }
}
