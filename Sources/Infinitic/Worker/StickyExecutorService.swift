import Foundation
import Logging
import ServiceLifecycle

/// The workflow executor of a worker with sticky routing: consumes the shared executor topic and its own
/// (`WorkflowExecutorRole`), and once both stopped, hands the replays it keeps parked over to their state engines
/// (`RedispatchWorkflowTask` without a task id): their running tasks routed here, and their next ones, go whole to
/// the other executors at once, not after the sticky timeout. A worker stopped in a rolling deploy so delays no
/// long method.
struct StickyExecutorService: Service {
    let shared: any Service
    let own: any Service
    let runner: WorkflowTaskRunner
    let environment: RoleEnvironment

    func run() async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await shared.run() }
                group.addTask { try await own.run() }
                try await group.waitForAll()
            }
        } catch {
            await handOver()
            throw error
        }
        await handOver()
    }

    /// Drops the parked replays and tells their state engines; a failure is logged (the sticky timeout then sends
    /// their tasks to the other executors).
    private func handOver() async {
        guard let executorId = runner.stickyExecutor, let methods = runner.stickyReplays?.removeAll(),
            !methods.isEmpty
        else { return }
        let environment = self.environment
        let outbound = runner.executor.handOver(
            methods, of: runner.name, executor: executorId, now: environment.now())
        let logger = environment.logger(role: WorkflowExecutorRole.group, name: runner.name)
        do {
            let messages = try outbound.map { try $0.outgoingMessage(codec: environment.codec) }
            // Not cancelled with the worker: the hand-over is the last thing the executor does.
            try await Task { try await environment.transport.publish(messages) }.value
            logger.info("handed parked replays over", metadata: ["methods": "\(methods.count)"])
        } catch {
            logger.warning("could not hand parked replays over", metadata: [LogKeys.reason: "\(error)"])
        }
    }
}
