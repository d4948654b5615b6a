import Logging

extension Logger {
    /// The default of the helpers: tests log nothing unless given a logger.
    @usableFromInline static let quiet = Logger(label: "infinitic.test", factory: { _ in SwiftLogNoOpLogHandler() })
}
