/// A named flow of messages (one Redis stream per partition).
///
/// A *keyed* topic serializes the processing of messages that carry the same key: two of them are never
/// handled at the same time by one consumer group, and those from one producer are handled in the order sent.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    /// Messages with the same key are processed one at a time, in order (key-based consumption).
    public let isKeyed: Bool
    /// Whether several consumer groups read this topic. If not (the default), an entry is deleted as soon as
    /// its one group acknowledges it; if so, entries are trimmed once every group has acknowledged them.
    ///
    /// A group protects entries from the moment it first subscribes: on a shared topic, start every group's
    /// consumers before publishing (or before the other groups acknowledge), or a late group misses what was
    /// trimmed. On Redis, a delayed retry (`Disposition.retry`) on a shared topic is published to the topic
    /// again, so every group sees it again: handlers of shared topics should not rely on delayed retries.
    public let isShared: Bool

    /// For topics that live only as long as their consumer (a client's responses): the topic is deleted by
    /// the broker after this long without publication or consumption, so that a consumer that died, or a
    /// response published after its consumer closed, leaves nothing behind for good. nil: the topic lasts.
    public let expiresAfterIdle: Duration?

    /// For topics kept as a log (events): entries stay after every group acknowledged them, a group that
    /// subscribes later reads the retained ones from the oldest, and only the newest `retainedEntries` are kept
    /// (on Redis, about that many: `XADD MAXLEN ~`). An entry trimmed before a slow group read it is lost for that
    /// group. Such a topic is shared; nil (the default): entries go once acknowledged.
    public let retainedEntries: Int?

    public init(
        _ name: String, keyed: Bool = false, shared: Bool = false, expiresAfterIdle: Duration? = nil,
        retainedEntries: Int? = nil
    ) {
        precondition(!name.isEmpty, "a topic needs a name")
        self.name = name
        self.isKeyed = keyed
        self.isShared = shared || retainedEntries != nil
        self.expiresAfterIdle = retainedEntries == nil ? expiresAfterIdle : nil
        self.retainedEntries = retainedEntries.map { max(1, $0) }
    }

    public var description: String { name }
}
