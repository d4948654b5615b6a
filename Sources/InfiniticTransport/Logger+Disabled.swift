import Logging

extension Logger {
    /// A logger that drops everything: what Infinitic's types log to unless their caller gives a logger (a library
    /// must not write to the application's output through swift-log's default handler).
    public static func disabled(_ label: String) -> Logger {
        Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
