import CoreMetrics
import Synchronization

/// The instruments of one role and topic.
struct StepInstruments: Sendable {
    let acked: Counter
    let retried: Counter
    let deadLettered: Counter
    let errors: Counter
    let duration: CoreMetrics.Timer
    let messageRetries: Counter
    let taskRetries: Counter
    let deadLetters: Counter

    init(role: String, topic: String, factory: any MetricsFactory) {
        func handled(_ outcome: String) -> Counter {
            Counter(
                label: MetricNames.messagesHandled,
                dimensions: [("role", role), ("topic", topic), ("outcome", outcome)], factory: factory)
        }
        func retries(_ kind: String) -> Counter {
            Counter(
                label: MetricNames.retries, dimensions: [("role", role), ("topic", topic), ("kind", kind)],
                factory: factory)
        }
        acked = handled("ack")
        retried = handled("retry")
        deadLettered = handled("dead_letter")
        errors = handled("error")
        duration = CoreMetrics.Timer(
            label: MetricNames.stepDuration, dimensions: [("role", role), ("topic", topic)],
            preferredDisplayUnit: .seconds, factory: factory)
        messageRetries = retries("message")
        taskRetries = retries("task")
        deadLetters = Counter(
            label: MetricNames.deadLetters, dimensions: [("role", role), ("topic", topic)], factory: factory)
    }
}

/// The instruments of one workflow's instances.
struct WorkflowInstruments: Sendable {
    let running: Meter
    let createdCount: Counter
    let deletedCount: Counter

    init(workflow: String, factory: any MetricsFactory) {
        let dimensions = [("workflow", workflow)]
        running = Meter(label: MetricNames.workflowsRunning, dimensions: dimensions, factory: factory)
        createdCount = Counter(label: MetricNames.workflowsCreated, dimensions: dimensions, factory: factory)
        deletedCount = Counter(label: MetricNames.workflowsDeleted, dimensions: dimensions, factory: factory)
    }

    func created() {
        running.increment()
        createdCount.increment()
    }

    func deleted() {
        running.decrement()
        deletedCount.increment()
    }
}

/// Every instrument made so far, by label set: each is made once (a factory registers what it makes).
final class Instruments: Sendable {
    private let factory: any MetricsFactory
    private let steps = Mutex<[String: StepInstruments]>([:])
    private let workflowInstruments = Mutex<[String: WorkflowInstruments]>([:])
    /// Task executions and workflow task replays, by label and dimensions.
    private let counters = Mutex<[String: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func step(role: String, topic: String) -> StepInstruments {
        Self.once(steps, key: role + "\u{0}" + topic) {
            StepInstruments(role: role, topic: topic, factory: factory)
        }
    }

    func workflows(_ workflow: String) -> WorkflowInstruments {
        Self.once(workflowInstruments, key: workflow) { WorkflowInstruments(workflow: workflow, factory: factory) }
    }

    func workflowTasks(workflow: String, outcome: String) -> Counter {
        counter(MetricNames.workflowTasks, [("workflow", workflow), ("outcome", outcome)])
    }

    func workflowTasksResumed(workflow: String) -> Counter {
        counter(MetricNames.workflowTasksResumed, [("workflow", workflow)])
    }

    func taskExecutions(service: String, outcome: String) -> Counter {
        counter(MetricNames.taskExecutions, [("service", service), ("outcome", outcome)])
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = ([label] + dimensions.flatMap { [$0.0, $0.1] }).joined(separator: "\u{0}")
        return Self.once(counters, key: key) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    /// The instrument cached under `key`, made by `make` the first time (made outside the lock; the first one
    /// stored wins).
    private static func once<Instrument: Sendable>(
        _ cache: borrowing Mutex<[String: Instrument]>, key: String, _ make: () -> Instrument
    ) -> Instrument {
        if let found = cache.withLock({ $0[key] }) { return found }
        let made = make()
        return cache.withLock { cache in
            if let found = cache[key] { return found }
            cache[key] = made
            return made
        }
    }
}
