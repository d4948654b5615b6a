import Foundation
import Infinitic

/// Says which workflow version dispatched the task running it.
@Service protocol VersionProbe: Sendable {
    func version() async throws -> String
}

struct VersionProbeImpl: VersionProbe {
    func version() async throws -> String {
        guard let context = TaskContext.current else { return "no context" }
        return context.workflowVersion.map { "task v\($0)" } ?? "task without version"
    }
}

/// One workflow with several implementations, each saying which code and which version runs it.
@Workflow protocol Versioned: Sendable {
    /// Waits for a signal on the channel `go`, then asks a task and a child workflow which versions they see.
    func run(_ key: String) async throws -> String
    /// What a method dispatched on the running instance sees.
    func version() async throws -> String
    /// What a child workflow sees.
    func child() async throws -> String
}

/// The first implementation (registered as versions 0 and 1 in these tests).
struct VersionedV1: Versioned {
    let context: WorkflowContext

    func run(_ key: String) async throws -> String {
        let go = try await context.channel(String.self, named: "go").receive().await()
        return try await VersionFixtures.report("v1 code", key: key, go: go, context: context)
    }

    func version() async throws -> String { "v1 code sees version \(context.workflowVersion)" }
    func child() async throws -> String { "v1 child sees version \(context.workflowVersion)" }
}

/// The second implementation (versions 2 and up): records a value before it waits, so that its history differs
/// from the first's (it cannot replay an instance of the first: `WorkflowChangedError`).
struct VersionedV2: Versioned {
    let context: WorkflowContext

    func run(_ key: String) async throws -> String {
        let stamp = try context.inline { "stamped" }
        let go = try await context.channel(String.self, named: "go").receive().await()
        return try await VersionFixtures.report("v2 code \(stamp)", key: key, go: go, context: context)
    }

    func version() async throws -> String { "v2 code sees version \(context.workflowVersion)" }
    func child() async throws -> String { "v2 child sees version \(context.workflowVersion)" }
}

enum VersionFixtures {
    /// The definition of `version`: `VersionedV1` for 0 and 1, `VersionedV2` above.
    static func definition(_ version: Int) -> WorkflowDefinition {
        version <= 1
            ? WorkflowDefinition(VersionedStub.self, version: version) { VersionedV1(context: $0) }
            : WorkflowDefinition(VersionedStub.self, version: version) { VersionedV2(context: $0) }
    }

    static let probe = ServiceDefinition(VersionProbeStub.self, implementation: VersionProbeImpl())

    /// What `run` returns: the code, the signal, the instance's version, and what its task and child see.
    static func report(_ code: String, key: String, go: String, context: WorkflowContext) async throws -> String {
        let task = try await context.service(VersionProbeStub.self).version()
        let child = try await context.workflow(VersionedStub.self).child()
        return "\(code) \(key) \(go): instance version \(context.workflowVersion); \(task); \(child)"
    }
}
