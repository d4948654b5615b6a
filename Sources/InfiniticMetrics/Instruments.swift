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
    /// Task executions and workflow task replays, by label set.
    private let tasks = Mutex<[String: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func step(role: String, topic: String) -> StepInstruments {
        let key = role + "\u{0}" + topic
        if let found = steps.withLock({ $0[key] }) { return found }
        let made = StepInstruments(role: role, topic: topic, factory: factory)
        return steps.withLock { steps in
            if let found = steps[key] { return found }
            steps[key] = made
            return made
        }
    }

    func workflows(_ workflow: String) -> WorkflowInstruments {
        if let found = workflowInstruments.withLock({ $0[workflow] }) { return found }
        let made = WorkflowInstruments(workflow: workflow, factory: factory)
        return workflowInstruments.withLock { all in
            if let found = all[workflow] { return found }
            all[workflow] = made
            return made
        }
    }

    func workflowTasks(workflow: String, outcome: String) -> Counter {
        let key = "workflow\u{0}" + workflow + "\u{0}" + outcome
        if let found = tasks.withLock({ $0[key] }) { return found }
        let made = Counter(
            label: MetricNames.workflowTasks, dimensions: [("workflow", workflow), ("outcome", outcome)],
            factory: factory)
        return tasks.withLock { tasks in
            if let found = tasks[key] { return found }
            tasks[key] = made
            return made
        }
    }

    func taskExecutions(service: String, outcome: String) -> Counter {
        let key = service + "\u{0}" + outcome
        if let found = tasks.withLock({ $0[key] }) { return found }
        let made = Counter(
            label: MetricNames.taskExecutions, dimensions: [("service", service), ("outcome", outcome)],
            factory: factory)
        return tasks.withLock { tasks in
            if let found = tasks[key] { return found }
            tasks[key] = made
            return made
        }
    }
}
