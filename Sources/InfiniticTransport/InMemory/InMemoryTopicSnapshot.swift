/// What an `InMemoryTransport` topic holds at one instant, for tests and diagnostics.
public struct InMemoryTopicSnapshot: Sendable, Hashable {
    /// What one consumer group holds.
    public struct Group: Sendable, Hashable {
        /// Stored messages this group has not read yet.
        public var unread: Int
        /// Messages being handled.
        public var inFlight: Int
        /// Messages waiting for a consumer of the group (given back, handed a key, or retried with their delay over).
        public var ready: Int
        /// Messages waiting for their key to free up (keyed topics).
        public var parked: Int
        /// Messages waiting for a retry delay.
        public var delayed: Int

        public init(unread: Int, inFlight: Int, ready: Int, parked: Int, delayed: Int) {
            self.unread = unread
            self.inFlight = inFlight
            self.ready = ready
            self.parked = parked
            self.delayed = delayed
        }

        /// Read by the group and not settled yet.
        public var pending: Int { inFlight + ready + parked + delayed }
    }

    /// Messages in the topic's log (not yet acknowledged by every group that must see them).
    public var stored: Int
    /// Messages waiting for their delivery time.
    public var scheduled: Int
    /// Messages in the topic's dead letters.
    public var deadLetters: Int
    /// By group name.
    public var groups: [String: Group]

    public init(stored: Int, scheduled: Int, deadLetters: Int, groups: [String: Group]) {
        self.stored = stored
        self.scheduled = scheduled
        self.deadLetters = deadLetters
        self.groups = groups
    }

    /// Nothing is stored, scheduled or pending: every message has been settled.
    public var isIdle: Bool {
        stored == 0 && scheduled == 0 && groups.values.allSatisfy { $0.unread == 0 && $0.pending == 0 }
    }
}
