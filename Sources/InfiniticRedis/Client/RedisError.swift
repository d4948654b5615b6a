/// An error from the Redis client: what went wrong (`code`), a human message, and the command involved.
///
/// Server errors (a reply of type error, e.g. `WRONGTYPE`) are distinct from a lost connection (the command may
/// or may not have been applied) and from a connection that could not be made (nothing was sent).
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Redis answered with an error reply; the connection is still usable.
        public static let server = Code("server")
        /// The connection died while the command was in flight: it may or may not have been applied.
        public static let connectionLost = Code("connectionLost")
        /// No connection could be made (refused, unreachable); nothing was sent.
        public static let connectionFailed = Code("connectionFailed")
        /// Redis refused the credentials (wrong user or password, or none given where one is needed).
        public static let authenticationFailed = Code("authenticationFailed")
        /// The user may not run a command (the ACL of the user lacks it, `NOPERM`).
        public static let noPermission = Code("noPermission")
        /// A read or write took longer than the configured timeout; the connection was closed.
        public static let timeout = Code("timeout")
        /// The reply did not have the shape the caller expected.
        public static let unexpectedReply = Code("unexpectedReply")
        /// The client was closed before the command could run.
        public static let closed = Code("closed")
        /// The caller gave up on the command (see `RedisConnection.enqueue(_:cancel:completion:)`) before it was
        /// sent: nothing was sent.
        public static let cancelled = Code("cancelled")
        /// A Redis URL or configuration value is invalid.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The keys of one command or script lie in different cluster slots: nothing was sent.
        public static let crossSlot = Code("crossSlot")
        /// A cluster kept redirecting the command (slots moving, failover in progress) past the retry limit.
        public static let clusterUnavailable = Code("clusterUnavailable")
    }

    public var code: Code
    public var message: String
    /// The command (name only, never its arguments) during which the error happened.
    public var command: String?

    public init(_ code: Code, _ message: String, command: String? = nil) {
        self.code = code
        self.message = message
        self.command = command
    }

    /// For server errors, the first word of the message (`NOSCRIPT`, `WRONGTYPE`, `BUSYGROUP`, ...).
    public var serverErrorPrefix: String? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// Whether retrying on a fresh connection may succeed (the connection, not the command, failed).
    public var isConnectionError: Bool {
        code == .connectionLost || code == .connectionFailed || code == .timeout || code == .clusterUnavailable
    }

    public var description: String {
        if let command { return "RedisError.\(code) in \(command): \(message)" }
        return "RedisError.\(code): \(message)"
    }
}
