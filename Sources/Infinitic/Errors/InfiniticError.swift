/// An error of the worker or the client themselves (not of workflow or task code), with an extensible code,
/// a message and the underlying cause.
public struct InfiniticError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A worker or client configuration that cannot run.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The client was closed (before or while waiting).
        public static let clientClosed = Code("clientClosed")
        /// Waiting for an answer took longer than the timeout given; the work itself goes on.
        public static let timedOut = Code("timedOut")
        /// An API call that cannot work as written (e.g. a synchronous call on a stub by tag).
        public static let invalidUsage = Code("invalidUsage")
        /// The client stopped receiving responses (its consumer failed).
        public static let responsesLost = Code("responsesLost")
        /// A dispatch to a workflow that no worker has ever served (`ClientConfiguration.unservedWorkflows`).
        public static let unserved = Code("unserved")
        /// A message whose content contradicts where it was sent (its key, its topic): it goes to the dead letters.
        public static let invalidMessage = Code("invalidMessage")
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
        var text = "InfiniticError.\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
