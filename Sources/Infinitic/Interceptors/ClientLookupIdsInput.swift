/// A client asking a tag engine for the ids carrying a tag: workflow ids, or the ids of uncompleted tasks.
public struct ClientLookupIdsInput: Sendable {
    /// Which tag engine answers.
    public enum Kind: Sendable, Hashable {
        case workflow
        case service
    }

    public let kind: Kind
    /// The workflow or service name.
    public let name: String
    public let tag: String
    /// How long to wait for the answer.
    public var timeout: Duration
    /// Published with the request.
    public var headers: [String: String]

    public init(kind: Kind, name: String, tag: String, timeout: Duration, headers: [String: String] = [:]) {
        self.kind = kind
        self.name = name
        self.tag = tag
        self.timeout = timeout
        self.headers = headers
    }
}
