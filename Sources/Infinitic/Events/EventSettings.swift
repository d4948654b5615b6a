/// Whether and how the roles of a worker emit events for event listeners (`InfiniticEventListener`): every
/// service executor and workflow state engine appends the events of a step to the events topic in the same
/// atomic commit as the step's state and messages, so an event exists exactly when what it tells happened.
public struct EventSettings: Sendable, Hashable {
    /// About how many events the events topic keeps (per partition), acknowledged or not: a listener that
    /// starts later reads from the oldest kept; one that lags further loses the oldest.
    public var retainedEvents: Int
    /// Prefixes `CloudEvent.source` (then `/services/<Name>` or `/workflows/<Name>`): name the deployment.
    public var source: String

    public init(retainedEvents: Int = 100_000, source: String = "infinitic") {
        self.retainedEvents = max(1, retainedEvents)
        self.source = source
    }

    /// The topic the events go to.
    public var topic: Topic { Topics.events(retaining: retainedEvents) }

    func source(service name: String) -> String { "\(source)/services/\(name)" }
    func source(workflow name: String) -> String { "\(source)/workflows/\(name)" }

    /// The message carrying the events of one step (nil when there are none), appended to the step's commit.
    func message(_ events: [CloudEvent]) throws -> OutgoingMessage? {
        guard !events.isEmpty else { return nil }
        return OutgoingMessage(topic: topic, payload: CloudEvent.encode(events))
    }
}
