import Foundation
import Synchronization

/// Gathers the tasks of batch methods that concurrent handlers submit into batches: one open batch per method
/// and batch key. The first task of a batch leads it: it waits until the batch holds `maxMessages` tasks or
/// `maxWait` passed (or its handler is cancelled), closes it, runs it, and hands every other task its result.
/// Each task keeps its own message, acknowledgement and commit: only the call of the implementation is shared,
/// so the transport (visibility, acknowledgements, graceful shutdown) sees ordinary handlers.
final class TaskBatcher: Sendable {
    typealias Outcome = Result<Payload, any Error>
    typealias Run = @Sendable ([ServiceExecutorEnvelope]) async -> [Outcome]

    struct Key: Hashable, Sendable {
        var serviceName: String
        var methodName: String
        var batchKey: String?

        init(_ task: ServiceTask) {
            serviceName = task.serviceName
            methodName = task.methodName
            batchKey = task.meta[TaskContext.batchKeyMeta]
        }
    }

    private struct Gathering {
        var key: Key
        var envelopes: [ServiceExecutorEnvelope]
        var isOpen = true
        /// The leader, waiting for the batch to fill or time out.
        var leaderWake: CheckedContinuation<Void, Never>?
        var results: [Outcome]?
        /// The members (not the leader) waiting for their result, by position in the batch.
        var waiters: [Int: CheckedContinuation<Outcome, Never>] = [:]
        /// Members that have not taken their result yet.
        var untaken = 0
    }

    private struct State {
        var gatherings: [UInt64: Gathering] = [:]
        var open: [Key: UInt64] = [:]
        var nextId: UInt64 = 0
    }

    private enum Joined {
        case leader(UInt64)
        case member(UInt64, position: Int)
    }

    private let state = Mutex(State())

    /// Adds the task to the open batch of its method and batch key (opening one if there is none) and returns its
    /// result once the batch ran through `run` (called once per batch, by its first task's handler).
    func submit(
        _ envelope: ServiceExecutorEnvelope, maxMessages: Int, maxWait: Duration, run: Run
    ) async -> Outcome {
        let key = Key(envelope.message)
        var wake: CheckedContinuation<Void, Never>?
        let joined = state.withLock { state -> Joined in
            if let id = state.open[key] {
                state.gatherings[id]!.envelopes.append(envelope)
                state.gatherings[id]!.untaken += 1
                let position = state.gatherings[id]!.envelopes.count - 1
                if state.gatherings[id]!.envelopes.count >= maxMessages { wake = Self.close(id, in: &state) }
                return .member(id, position: position)
            }
            let id = state.nextId
            state.nextId += 1
            state.gatherings[id] = Gathering(key: key, envelopes: [envelope])
            if maxMessages > 1 {
                state.open[key] = id
            } else {
                state.gatherings[id]!.isOpen = false
            }
            return .leader(id)
        }
        wake?.resume()
        switch joined {
        case .leader(let id):
            return await lead(id, maxWait: maxWait, run: run)
        case .member(let id, let position):
            return await result(of: id, position: position)
        }
    }

    private func lead(_ id: UInt64, maxWait: Duration, run: Run) async -> Outcome {
        let timer = Task {
            guard (try? await Task.sleep(for: maxWait)) != nil else { return }
            self.close(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let waits = state.withLock { state -> Bool in
                    guard state.gatherings[id]!.isOpen else { return false }
                    state.gatherings[id]!.leaderWake = continuation
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            close(id)
        }
        timer.cancel()
        let envelopes = state.withLock { $0.gatherings[id]!.envelopes }
        // A cancelled handler (a hard stop) runs nothing: every task of the batch is delivered again.
        let ran = Task.isCancelled ? envelopes.map { _ in .failure(CancellationError()) } : await run(envelopes)
        let results = envelopes.indices.map { index -> Outcome in
            guard ran.indices.contains(index) else {
                let task = envelopes[index].message
                return .failure(
                    BatchResultMissingError(
                        serviceName: task.serviceName, methodName: task.methodName, taskId: task.taskId))
            }
            return ran[index]
        }
        let waiters = state.withLock { state -> [(CheckedContinuation<Outcome, Never>, Outcome)] in
            var gathering = state.gatherings[id]!
            gathering.results = results
            let waiters = gathering.waiters.map { ($0.value, results[$0.key]) }
            gathering.waiters = [:]
            gathering.untaken -= waiters.count
            state.gatherings[id] = gathering.untaken > 0 ? gathering : nil
            return waiters
        }
        for (continuation, outcome) in waiters { continuation.resume(returning: outcome) }
        return results[0]
    }

    private func result(of id: UInt64, position: Int) async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                guard let results = state.gatherings[id]!.results else {
                    state.gatherings[id]!.waiters[position] = continuation
                    return nil
                }
                state.gatherings[id]!.untaken -= 1
                if state.gatherings[id]!.untaken == 0 { state.gatherings[id] = nil }
                return results[position]
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Closes the batch if it is still open and wakes its leader.
    private func close(_ id: UInt64) {
        let wake = state.withLock { Self.close(id, in: &$0) }
        wake?.resume()
    }

    private static func close(_ id: UInt64, in state: inout State) -> CheckedContinuation<Void, Never>? {
        guard let gathering = state.gatherings[id], gathering.isOpen else { return nil }
        if state.open[gathering.key] == id { state.open[gathering.key] = nil }
        state.gatherings[id]!.isOpen = false
        state.gatherings[id]!.leaderWake = nil
        return gathering.leaderWake
    }
}
