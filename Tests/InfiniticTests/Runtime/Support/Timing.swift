import Foundation
import Infinitic

/// A service whose tasks run long or hold on gates, for timeouts, cancellation and shutdown.
@Service protocol Timing: Sendable {
    /// First attempt: sleeps a minute (cooperatively). Later attempts return at once.
    func nap(_ key: String) async throws -> String
    /// First attempt: holds on the gate `key`, ignoring cancellation. Later attempts return at once.
    func stubborn(_ key: String) async throws -> String
    /// Holds on the gate `key`, ignoring cancellation.
    func hold(_ key: String) async throws -> String
    /// Holds on the gate `key` until cancelled.
    func interruptible(_ key: String) async throws -> String
}

struct TimingImpl: Timing {
    let controls: Controls

    func nap(_ key: String) async throws -> String {
        controls.recordStart(key)
        let attempt = TaskContext.current?.retryIndex ?? -1
        if attempt == 0 { try await Task.sleep(for: .seconds(60)) }
        return "nap \(key) on attempt \(attempt)"
    }

    func stubborn(_ key: String) async throws -> String {
        controls.recordStart(key)
        let attempt = TaskContext.current?.retryIndex ?? -1
        if attempt == 0 { await controls.pass(key) }
        return "stubborn \(key) on attempt \(attempt)"
    }

    func hold(_ key: String) async throws -> String {
        controls.recordStart(key)
        await controls.pass(key)
        return "released \(key)"
    }

    func interruptible(_ key: String) async throws -> String {
        controls.recordStart(key)
        try await controls.passCancellably(key)
        return "interruptible \(key) on attempt \(TaskContext.current?.retryIndex ?? -1)"
    }
}

/// A workflow over `Timing`, with a property other methods can change.
@Workflow protocol Ops: Sendable {
    func nap(_ key: String) async throws -> String
    func stubborn(_ key: String) async throws -> String
    func hold(_ key: String) async throws -> String
    func interruptible(_ key: String) async throws -> String
    /// `hold(key)`, with a method timeout for its callers (`OpsStub.methodTimeouts`).
    func holdWithDeadline(_ key: String) async throws -> String
    /// Holds on `key`, then returns the notes.
    func holdThenNotes(_ key: String) async throws -> [String]
    func note(_ text: String) async throws -> Int
    func readNotes() async throws -> [String]
    /// Adds a note, returning nothing.
    func touch(_ text: String) async throws
    /// Misuses workflow code: sleeps instead of awaiting the context (reported at once).
    func misbehave() async throws -> String
    /// Misuses workflow code: waits 5 s ignoring cancellation (only the workflow task timeout ends the replay).
    func stall() async throws -> String
}

struct OpsImpl: Ops {
    let context: WorkflowContext
    @WorkflowProperty("notes") var notes: [String] = []

    var timing: TimingStub { context.service() }

    func nap(_ key: String) async throws -> String { try await timing.nap(key) }
    func stubborn(_ key: String) async throws -> String { try await timing.stubborn(key) }
    func hold(_ key: String) async throws -> String { try await timing.hold(key) }
    func interruptible(_ key: String) async throws -> String { try await timing.interruptible(key) }
    func holdWithDeadline(_ key: String) async throws -> String { try await timing.hold(key) }

    func holdThenNotes(_ key: String) async throws -> [String] {
        _ = try await timing.hold(key)
        return notes
    }

    func note(_ text: String) async throws -> Int {
        notes.append(text)
        return notes.count
    }

    func readNotes() async throws -> [String] { notes }

    func touch(_ text: String) async throws {
        notes.append(text)
    }

    func misbehave() async throws -> String {
        try await Task.sleep(for: .seconds(60))
        return "woke up"
    }

    func stall() async throws -> String {
        // Awaiting an unstructured task's value is not cancelled with the awaiting task.
        await Task.detached { try? await Task.sleep(for: .seconds(5)) }.value
        return "stalled"
    }
}

extension OpsStub {
    /// Callers of `holdWithDeadline` give up after `RuntimeFixtures.methodDeadline`.
    static var methodTimeouts: [String: Duration] { ["holdWithDeadline": RuntimeFixtures.methodDeadline] }
}
