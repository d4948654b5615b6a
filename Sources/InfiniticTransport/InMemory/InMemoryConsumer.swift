import Foundation
import ServiceLifecycle
import Synchronization

/// Set once a consumer must stop reading (graceful shutdown).
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() { flag.store(true, ordering: .releasing) }
}

extension InMemoryTransport {
    /// Consumes `subscription` until the calling task is cancelled or a graceful shutdown begins. On
    /// cancellation, running handlers are cancelled and their messages given back to the group; on a
    /// graceful shutdown, no new message is taken and running handlers finish. Returns when they are all done.
    public func consume(_ subscription: Subscription, batchHandler handler: @escaping BatchHandler) async throws {
        let signals = broker.join(subscription)
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { tasks in
                tasks.addTask { await self.runScheduler(of: subscription.topic.name, signals: signals) }
                await self.read(subscription, handler: handler, signal: signals.messages, stopping: stopping)
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
            signals.messages.notify()
        }
    }

    /// Takes messages as handler slots free up and runs each in its own child task. Returns once it stopped
    /// taking and every handler it started has finished.
    private func read(
        _ subscription: Subscription, handler: @escaping BatchHandler, signal: ChangeSignal, stopping: StopFlag
    ) async {
        let permits = Permits(subscription.concurrency)
        await withDiscardingTaskGroup { handlers in
            while true {
                let granted = await permits.acquire(upTo: subscription.batchSize)
                guard granted > 0 else { break }
                // Read the version before checking for work, so a notification in between is not lost.
                let version = signal.version
                if stopping.isSet || Task.isCancelled {
                    permits.release(granted)
                    break
                }
                let deliveries = broker.take(subscription, upTo: granted, now: clock.now())
                let taken = deliveries.reduce(0) { $0 + $1.sequences.count }
                permits.release(granted - taken)
                if deliveries.isEmpty {
                    await signal.wait(whileVersionIs: version)
                    continue
                }
                for delivery in deliveries {
                    handlers.addTask {
                        await self.handle(delivery, subscription: subscription, handler: handler)
                        permits.release(delivery.sequences.count)
                    }
                }
            }
        }
    }

    /// Runs the handler and settles the batch, running it again when its commit fails a version check.
    private func handle(
        _ delivery: InMemoryDelivery, subscription: Subscription, handler: @escaping BatchHandler
    ) async {
        let batch = delivery.batch
        var decision = await HandlerRunner.run(handler, batch, maxDeliveries: subscription.maxDeliveries)
        var conflicts = 0
        while true {
            if let decision {
                for message in batch.messages {
                    guard case .deadLetter(let reason) = decision.settlement(of: message) else { continue }
                    logger.debug(
                        "dead-lettering message",
                        metadata: [
                            LogKeys.topic: "\(message.topic)", LogKeys.group: "\(delivery.group)",
                            LogKeys.id: "\(message.id)",
                            LogKeys.reason: "\(reason)",
                        ])
                }
            }
            guard let conflict = broker.settle(delivery, decision, now: clock.now()) else { return }
            conflicts += 1
            logger.debug(
                "commit refused by a version check",
                metadata: [
                    LogKeys.topic: "\(subscription.topic)", LogKeys.id: "\(batch.messages[0].id)",
                    LogKeys.key: "\(conflict.key)",
                ])
            if conflicts < Self.commitConflictAttempts {
                decision = await HandlerRunner.run(
                    handler, batch.withoutPrefetchedState(), maxDeliveries: subscription.maxDeliveries)
            } else {
                let reason = "state key '\(conflict.key)' changed concurrently \(conflicts) times"
                decision = HandlerRunner.resolve(
                    BatchDisposition(.retry(after: Self.commitConflictRetryDelay, reason: reason)), for: batch,
                    maxDeliveries: subscription.maxDeliveries)
            }
        }
    }

    /// Moves due scheduled messages and retries of the topic into place, sleeping until the next due time
    /// or until an earlier one appears. Runs until cancelled.
    private func runScheduler(of topicName: String, signals: InMemoryTopicSignals) async {
        while !Task.isCancelled {
            let version = signals.schedule.version
            let next = broker.promoteDue(in: topicName, now: clock.now())
            await withTaskGroup(of: Void.self) { waits in
                if let next {
                    waits.addTask { try? await self.clock.sleep(until: next) }
                }
                waits.addTask { await signals.schedule.wait(whileVersionIs: version) }
                // Whichever returns first ends the wait.
                await waits.next()
                waits.cancelAll()
            }
        }
    }
}
