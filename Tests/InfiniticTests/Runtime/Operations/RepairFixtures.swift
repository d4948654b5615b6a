import Foundation
import Infinitic
import Synchronization

/// Switches a test flips to "deploy a fix", and counts of attempts by key. Every test gets its own.
final class Switches: Sendable {
    private let state = Mutex<(on: Set<String>, attempts: [String: [Int]], taskIds: [String: String])>(
        ([], [:], [:]))

    /// Records the id of the task running for `key`.
    func recordTaskId(_ key: String) {
        let taskId = TaskContext.current?.taskId
        state.withLock { $0.taskIds[key] = taskId }
    }
    func taskId(_ key: String) -> String? { state.withLock { $0.taskIds[key] } }

    func flip(_ key: String) { state.withLock { _ = $0.on.insert(key) } }
    func isOn(_ key: String) -> Bool { state.withLock { $0.on.contains(key) } }
    /// Records an attempt of `key` with the task's retry sequence.
    func recordAttempt(_ key: String) {
        let sequence = TaskContext.current?.retrySequence ?? -1
        state.withLock { $0.attempts[key, default: []].append(sequence) }
    }
    func attempts(_ key: String) -> Int { state.withLock { $0.attempts[key]?.count ?? 0 } }
    /// The retry sequences of the attempts of `key`, sorted.
    func retrySequences(_ key: String) -> [Int] { state.withLock { ($0.attempts[key] ?? []).sorted() } }
}

struct BrokenError: Error, CustomStringConvertible {
    var key: String
    var description: String { "\(key) is broken" }
}

/// A service that fails until its switch is flipped.
@Service protocol Fragile: Sendable {
    /// Fails while the switch `key` is off; then says which manual retry mended it.
    func mend(_ key: String) async throws -> String
    func ping(_ text: String) async throws -> String
    /// Delegated: asks a reviewer, who completes the task later with the verdict.
    func approve(_ document: String) async throws -> String
}

struct FragileImpl: Fragile {
    let switches: Switches

    func mend(_ key: String) async throws -> String {
        switches.recordAttempt(key)
        guard switches.isOn(key) else { throw BrokenError(key: key) }
        return "mended \(key) at retry \(TaskContext.current?.retrySequence ?? -1)"
    }

    func ping(_ text: String) async throws -> String { "pong \(text)" }

    /// Hands its task id out, then: for a `slow-` document, waits until its switch is on (a completion may
    /// arrive meanwhile); then, for a document naming `broken-`, fails.
    func approve(_ document: String) async throws -> String {
        switches.recordTaskId(document)
        if document.hasPrefix("slow-") {
            while !switches.isOn(document) { try await Task.sleep(for: .milliseconds(10)) }
        }
        if document.contains("broken-") { throw BrokenError(key: document) }
        return "ignored: a delegated task's result comes from completeDelegatedTask"
    }
}

/// Workflows whose tasks, or own code, fail until a switch is flipped.
@Workflow protocol Repairs: Sendable {
    /// A task before, the fragile task, a task after.
    func mend(_ key: String) async throws -> String
    /// The fragile task and another task in parallel, joined with `all`.
    func mendBeside(_ key: String) async throws -> String
    /// Catches the failure of `mend(key-caught)`, then fails on `mend(key)`.
    func caughtThenFails(_ key: String) async throws -> String
    /// Its workflow task fails (the code misuses the context) while the switch `key` is off.
    func brokenCode(_ key: String) async throws -> String
    /// Waits for the delegated approval of `document`.
    func review(_ document: String) async throws -> String
}

struct RepairsImpl: Repairs {
    let context: WorkflowContext
    let switches: Switches

    func mend(_ key: String) async throws -> String {
        let fragile = context.service(FragileStub.self)
        let before = try await fragile.ping("before")
        let mended = try await fragile.mend(key)
        let after = try await fragile.ping("after")
        return "\(before); \(mended); \(after)"
    }

    func mendBeside(_ key: String) async throws -> String {
        let fragile = context.service(FragileStub.self)
        let mended = try await context.dispatch { try await fragile.mend(key) }
        let beside = try await context.dispatch { try await fragile.ping("beside") }
        let (first, second) = try await context.all(mended, beside).value
        return "\(first); \(second)"
    }

    func caughtThenFails(_ key: String) async throws -> String {
        let fragile = context.service(FragileStub.self)
        let first: String
        do {
            first = try await fragile.mend("\(key)-caught")
        } catch {
            first = "caught"
        }
        let second = try await fragile.mend(key)
        return "\(first); \(second)"
    }

    func brokenCode(_ key: String) async throws -> String {
        let pong = try await context.service(FragileStub.self).ping(key)
        // A bug: sleeping outside the context fails the workflow task.
        if !switches.isOn(key) { try await Task.sleep(for: .seconds(60)) }
        return pong
    }

    func review(_ document: String) async throws -> String {
        "\(document): \(try await context.service(FragileStub.self).approve(document))"
    }
}

enum RepairFixtures {
    static func services(_ switches: Switches) -> [ServiceDefinition] {
        [ServiceDefinition(FragileStub.self, implementation: FragileImpl(switches: switches)).delegated("approve")]
    }

    static func workflows(_ switches: Switches) -> [WorkflowDefinition] {
        [WorkflowDefinition(RepairsStub.self) { RepairsImpl(context: $0, switches: switches) }]
    }
}

extension RuntimeSystem {
    /// Runs `body` with a worker serving the repair fixtures (bound to `switches`) on this system's transport.
    func withRepairWorker<T: Sendable>(
        _ switches: Switches, name: String = "repair-worker", _ body: () async throws -> T
    ) async throws -> T {
        try await withWorker(
            name: name, services: RepairFixtures.services(switches), workflows: RepairFixtures.workflows(switches),
            body)
    }
}
