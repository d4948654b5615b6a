/// How strictly replay checks the code against history (the determinism check).
public enum CheckMode: String, Sendable, Hashable, Codable {
    /// Positions only.
    case none
    /// Same kind of command, same service or workflow name and method name (the default).
    case simple
    /// `simple`, and the same arguments, tags and meta.
    case strict
}
