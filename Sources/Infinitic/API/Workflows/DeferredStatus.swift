/// Where a `Deferred` stands, as of the workflow task that evaluates it.
public enum DeferredStatus: String, Sendable, Hashable, Codable {
    case ongoing
    case completed
    case failed
    case canceled
    case timedOut
    case unknown
}
