/// User code that watches the engine: receives every event the workers emit (`EventSettings`), in batches
/// (the events of one engine step or task attempt, oldest first), at least once.
///
/// Each listener reads in its own consumer group (`EventListenerSettings.name`): several listeners each see
/// every event; a new one starts from the oldest retained event; one restarted after a crash resumes where it
/// stopped, possibly seeing again the batch it was handling (deduplicate on `CloudEvent.id`). A listener that
/// throws is called again with the same batch (`EventListenerSettings.attempts`), then the batch goes to the
/// dead letters of the events topic; the engines never wait for listeners.
public protocol InfiniticEventListener: Sendable {
    func onEvents(_ events: [CloudEvent]) async throws
}

/// How a worker runs an event listener.
public struct EventListenerSettings: Sendable {
    /// The listener's consumer group (Infinitic's subscription name): listeners with different names each see
    /// every event; instances with the same name share them.
    public var name: String
    /// How many times a batch is handed to the listener before it goes to the dead letters.
    public var attempts: Int
    /// The pause before the second attempt, doubling for each next one.
    public var retryDelay: Duration

    public init(name: String = "default", attempts: Int = 5, retryDelay: Duration = .milliseconds(200)) {
        self.name = name
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
    }
}
