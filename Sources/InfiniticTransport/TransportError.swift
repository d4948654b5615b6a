/// An error of the transport layer, with an extensible code, a message and the underlying cause.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The broker is configured in a way that can lose messages (e.g. an eviction policy).
        public static let misconfiguredBroker = Code("misconfiguredBroker")
        /// The broker cannot be reached.
        public static let unavailable = Code("unavailable")
        /// The broker refused the credentials, or the user may not run commands the transport needs.
        public static let unauthorized = Code("unauthorized")
        /// A stored entry could not be decoded (it is dead-lettered, not retried).
        public static let malformedEntry = Code("malformedEntry")
        /// The request is invalid (e.g. a name the key layout cannot hold).
        public static let invalidArgument = Code("invalidArgument")
        /// A message (its payload or its key) is larger than the transport accepts.
        public static let messageTooLarge = Code("messageTooLarge")
        /// The transport was closed.
        public static let closed = Code("closed")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        var text = "TransportError.\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
