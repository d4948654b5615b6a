import Foundation
import Infinitic

/// A signal with fields to filter on.
struct Approval: Codable, Sendable, Hashable {
    var by: String
    var amount: Int
}

/// Workflows that wait (timers), listen (channels), compose (children) and time out.
@Workflow protocol Waits: Sendable {
    /// Sleeps `seconds`, returns "woke".
    func nap(_ seconds: Double) async throws -> String
    /// The first of an approval signal and a timer of `seconds`.
    func approval(_ seconds: Double) async throws -> String
    /// Holds on gate `key`, then receives two notes and awaits three times.
    func notesAfterGate(_ key: String) async throws -> [String]
    /// Receives the first approval of an amount over 100.
    func bigApproval() async throws -> String
    /// Receives an approval, then sends it to the instance `id` (its `notesAfterGate` channel).
    func relay(_ id: String) async throws -> String
    /// The recorded step (what the running method reached).
    func step() async throws -> String
    /// The id of the child started by `parentOfHold`.
    func childId() async throws -> String
    /// n! computed by children of itself.
    func factorial(_ n: Int) async throws -> Int
    /// Calls a child that fails (its task is declined), not catching it.
    func parentOfFailure() async throws -> String
    /// Starts an `Ops.hold(key)` child and waits for it.
    func parentOfHold(_ key: String) async throws -> String
    /// `Timing.hold(key)` with a caller-side timeout of `seconds`: its outcome and the deferred's status.
    func holdWithTimeout(_ key: String, _ seconds: Double) async throws -> String
    /// Calls `Ops.holdWithDeadline(key)` as a child (the stub's method timeout applies): its outcome and status.
    func childWithDeadline(_ key: String) async throws -> String
}

struct WaitsImpl: Waits {
    let context: WorkflowContext
    @WorkflowProperty("step") var current = "started"
    @WorkflowProperty("child") var child = ""

    func nap(_ seconds: Double) async throws -> String {
        current = "sleeping"
        try await context.sleep(for: .milliseconds(Int(seconds * 1000)))
        return "woke"
    }

    func approval(_ seconds: Double) async throws -> String {
        let approval = try context.channel(String.self, named: "approvals").receive()
        current = "receiving"
        let timer = try context.timer(for: .milliseconds(Int(seconds * 1000)))
        let (value, _) = try await context.first(of: approval, timer).value
        return value.map { "approved by \($0)" } ?? "timed out"
    }

    func notesAfterGate(_ key: String) async throws -> [String] {
        let notes = context.channel(String.self, named: "notes")
        _ = try await context.service(TimingStub.self).hold(key)
        let received = try notes.receive(limit: 2)
        current = "receiving"
        return [try await received.value, try await received.value, try await received.value]
    }

    func bigApproval() async throws -> String {
        let approvals = context.channel(Approval.self, named: "approvals")
        let big = try approvals.receive(where: .greaterThan("amount", 100))
        current = "receiving"
        let approval = try await big.value
        return "\(approval.by) approved \(approval.amount)"
    }

    func relay(_ id: String) async throws -> String {
        let approval = try context.channel(String.self, named: "approvals").receive()
        current = "receiving"
        let value = try await approval.value
        try context.send("relayed \(value)", to: "notes", of: WaitsStub.self, id: id)
        return value
    }

    func step() async throws -> String { current }

    func childId() async throws -> String { child }

    func factorial(_ n: Int) async throws -> Int {
        guard n > 1 else { return 1 }
        return n * (try await context.workflow(WaitsStub.self).factorial(n - 1))
    }

    func parentOfFailure() async throws -> String {
        try await context.workflow(TripsStub.self).chargeUncaught(700)
    }

    func parentOfHold(_ key: String) async throws -> String {
        let ops = context.workflow(OpsStub.self, tags: ["child-of:\(context.workflowId)"])
        let held = try await context.dispatch { try await ops.hold(key) }
        child = held.id ?? ""
        current = "waiting for the child"
        return try await held.value
    }

    func holdWithTimeout(_ key: String, _ seconds: Double) async throws -> String {
        let timing = context.service(TimingStub.self, timeout: .milliseconds(Int(seconds * 1000)))
        let held = try await context.dispatch { try await timing.hold(key) }
        do {
            return "\(try await held.value) \(held.status)"
        } catch let error as TaskTimedOutError {
            return "timed out \(error.methodName) \(held.status)"
        }
    }

    func childWithDeadline(_ key: String) async throws -> String {
        let held = try await context.dispatch { try await context.workflow(OpsStub.self).holdWithDeadline(key) }
        do {
            return "\(try await held.value) \(held.status)"
        } catch let error as WorkflowTimedOutError {
            return "timed out \(error.methodName) \(held.status)"
        }
    }
}
