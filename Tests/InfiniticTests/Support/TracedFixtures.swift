import Foundation
import Infinitic

/// What a task saw of the headers and meta it was dispatched with.
struct TaskSight: Codable, Sendable, Hashable {
    var headers: [String: String]
    var meta: [String: String]
}

/// What a `Traced` method saw: its own headers (`WorkflowContext.headers`) and what its task saw.
struct TraceReport: Codable, Sendable, Hashable {
    var workflow: [String: String]
    var task: TaskSight
}

/// A service reporting what its task sees.
@Service protocol HeaderProbe: Sendable {
    func seen() async throws -> TaskSight
}

struct HeaderProbeImpl: HeaderProbe {
    func seen() async throws -> TaskSight {
        TaskSight(headers: TaskContext.current?.headers ?? [:], meta: TaskContext.current?.meta ?? [:])
    }
}

/// A workflow whose methods report the headers that reach them and their tasks.
@Workflow protocol Traced: Sendable {
    /// Runs one task (tagged `probe`): client -> workflow -> task.
    func run() async throws -> TraceReport
    /// Runs `run` as another method of this instance: client -> workflow -> workflow method -> task.
    func relay() async throws -> TraceReport
    /// Holds on the gate `key` (a `Timing` task), to be reached by tag meanwhile.
    func hold(_ key: String) async throws -> String
}

struct TracedImpl: Traced {
    let context: WorkflowContext

    func run() async throws -> TraceReport {
        let task = try await context.service(HeaderProbeStub.self, tags: ["probe"]).seen()
        return TraceReport(workflow: context.headers, task: task)
    }

    func relay() async throws -> TraceReport {
        try await context.thisWorkflow(TracedStub.self).run()
    }

    func hold(_ key: String) async throws -> String {
        try await context.service(TimingStub.self).hold(key)
    }
}

enum TracedFixtures {
    static let headerProbe = ServiceDefinition(HeaderProbeStub.self, implementation: HeaderProbeImpl())
    static let traced = WorkflowDefinition(TracedStub.self) { TracedImpl(context: $0) }
}
