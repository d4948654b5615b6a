/// Handles a batch of messages and says what to do with them. Throwing asks for a retry of the whole batch
/// (each message until it has been delivered `maxDeliveries` times, then to the dead-letter stream).
public typealias BatchHandler = @Sendable (MessageBatch) async throws -> BatchDisposition

/// Messages handed to one handler call: on a keyed topic, messages of one key, oldest first, with the key held
/// for all of them; otherwise a single message.
public struct MessageBatch: Sendable {
    /// Never empty.
    public let messages: [ReceivedMessage]

    public init(_ messages: [ReceivedMessage]) {
        precondition(!messages.isEmpty, "a batch holds at least one message")
        self.messages = messages
    }

    /// The key of the batch's messages (keyed topics).
    public var key: String? { messages[0].key }

    /// The state of the key read together with the batch (see `Subscription.prefetch`).
    public var prefetchedState: PrefetchedState? { messages[0].prefetchedState }

    /// The same batch without its prefetched state (handed to a handler running again after a version
    /// conflict, which must read the state afresh).
    public func withoutPrefetchedState() -> MessageBatch {
        MessageBatch(messages.map { $0.withoutPrefetchedState() })
    }
}

/// What a batch handler decided: a disposition for the batch as a whole, and the messages of the batch set
/// apart from it (poison messages to dead-letter while the others are acknowledged).
public struct BatchDisposition: Sendable {
    public var disposition: Disposition
    /// Message id -> reason: these messages go to the dead-letter stream instead of following `disposition`.
    public var deadLetters: [String: String]

    public init(_ disposition: Disposition, deadLetters: [String: String] = [:]) {
        self.disposition = disposition
        self.deadLetters = deadLetters
    }

    /// Acknowledge the batch with `commit` applied in the same atomic step.
    public static func ack(_ commit: Commit = Commit(), deadLetters: [String: String] = [:]) -> BatchDisposition {
        BatchDisposition(.ack(commit), deadLetters: deadLetters)
    }

    /// How the message `message` of the batch is settled.
    public func settlement(of message: ReceivedMessage) -> MessageSettlement {
        if let reason = deadLetters[message.id] { return .deadLetter(reason: reason) }
        switch disposition {
        case .ack: return .ack
        case .retry(let delay, let reason): return .retry(after: delay, reason: reason)
        case .deadLetter(let reason): return .deadLetter(reason: reason)
        }
    }
}

/// How one message of a settled batch ends.
public enum MessageSettlement: Sendable, Hashable {
    case ack
    case retry(after: Duration, reason: String)
    case deadLetter(reason: String)
}
