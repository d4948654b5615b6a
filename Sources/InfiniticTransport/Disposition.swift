/// What a handler decided about a message. The transport applies it atomically where it can.
public enum Disposition: Sendable {
    /// Done: acknowledge the message, and in the same atomic step apply `commit` (publish messages, write
    /// state). Nothing of the commit is visible unless the acknowledgement happens too.
    case ack(Commit)
    /// Deliver the message again after `delay` (0 = as soon as possible). Once it has been delivered
    /// `maxDeliveries` times it goes to the dead-letter stream instead.
    case retry(after: Duration, reason: String)
    /// Give up on the message: move it to the topic's dead-letter stream with `reason`.
    case deadLetter(reason: String)

    /// Acknowledge with no other effect.
    public static var ack: Disposition { .ack(Commit()) }
}

/// Effects committed together with an acknowledgement: messages to publish and state to write.
public struct Commit: Sendable {
    public var messages: [OutgoingMessage]
    public var writes: [StateWrite]

    public init(messages: [OutgoingMessage] = [], writes: [StateWrite] = []) {
        self.messages = messages
        self.writes = writes
    }

    public var isEmpty: Bool { messages.isEmpty && writes.isEmpty }
}

/// A write to the transport's co-located state store, applied atomically with the acknowledgement.
public struct StateWrite: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        /// Store `value` (as the single field `StateFields.blobField`, replacing every other field); the key's
        /// version becomes the previous version + 1.
        case put([UInt8])
        /// Set some fields and remove others, leaving the rest as they are (with `replacingAll`, every field
        /// not set is removed first); the key's version becomes the previous version + 1. Lets a large value
        /// stored by parts change only the parts that changed.
        case setFields([String: [UInt8]], removing: [String] = [], replacingAll: Bool = false)
        case delete
        /// Delete the value `after` from now (measured by the store; at once if `after` is not positive), unless
        /// it is deleted first. Its fields and version are unchanged; `setFields` without `replacingAll` keeps
        /// the expiry, while `put`, `setFields(replacingAll: true)` and `delete` clear it (as they would on a
        /// Redis hash). Lets a value that only waits to be forgotten go by itself, with no step to delete it.
        case expire(after: Duration)
        case addToSet([String])
        case removeFromSet([String])
    }

    public var key: StateKey
    public var operation: Operation
    /// For `put`/`setFields`/`delete`: the version the key must have (0 = absent) or the whole commit is refused with a
    /// conflict. nil writes unconditionally.
    public var expectedVersion: Int?

    public init(key: StateKey, operation: Operation, expectedVersion: Int? = nil) {
        self.key = key
        self.operation = operation
        self.expectedVersion = expectedVersion
    }
}

/// A key of the state store, with the partition it belongs to.
public struct StateKey: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Chooses the partition; a commit is atomic only if its state keys share the input's partition.
    public var partitionKey: String?

    public init(_ name: String, partitionKey: String? = nil) {
        self.name = name
        self.partitionKey = partitionKey
    }

    public var description: String { name }
}

/// Some fields of a stored value, with the value's version. A value of the state store is a set of named fields
/// (a Redis hash), versioned as a whole: `put` stores one field (`blobField`), `setFields` changes some.
public struct StateFields: Sendable, Hashable {
    /// The field that `StateWrite.Operation.put` writes and `Transport.read(_:)` reads.
    public static let blobField = "d"

    public var version: Int
    /// The fields read, by name (a field asked for but absent is missing here).
    public var fields: [String: [UInt8]]
    /// Whether `fields` holds every field of the value: a field missing from it does not exist.
    public var isComplete: Bool

    public init(version: Int, fields: [String: [UInt8]], isComplete: Bool) {
        self.version = version
        self.fields = fields
        self.isComplete = isComplete
    }

    /// The value as `put` wrote it.
    public var blob: VersionedValue { VersionedValue(bytes: fields[Self.blobField] ?? [], version: version) }
}

/// A stored value with its version (1 after the first write, +1 per write).
public struct VersionedValue: Sendable, Hashable {
    public var bytes: [UInt8]
    public var version: Int

    public init(bytes: [UInt8], version: Int) {
        self.bytes = bytes
        self.version = version
    }
}
