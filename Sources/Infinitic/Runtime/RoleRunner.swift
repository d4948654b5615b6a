import Foundation
import Logging
import ServiceLifecycle

/// Runs one role on a transport: subscribes to its topic in its group with the consumer settings, decodes each
/// message (dead-lettering those that do not decode), hands the batches to the role's step through the
/// interceptors, logs what goes to the dead letters, and stops on cancellation or graceful shutdown (no new
/// message is read, running steps finish). Work that may outlive a step (code past its time limit) runs in a
/// pool beside the consumer.
public struct RoleRunner<R: Role>: Service {
    public let role: R
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let logger: Logger

    public init(_ role: R, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.role = role
        self.environment = environment
        self.settings = settings
        self.logger = environment.logger(role: R.group, name: role.name)
    }

    public func run() async throws {
        var settings = self.settings.subscription(
            topic: role.topic, group: role.consumerGroup, consumer: environment.consumerName(), prefetch: role.prefetch)
        settings.keyBatchSize = role.keyBatchSize
        let subscription = settings
        logger.debug("role starting", metadata: [LogKeys.concurrency: "\(self.settings.concurrency)"])
        let environment = self.environment
        try await OverrunPool.withPool { pool in
            let context = RoleContext(
                store: environment.transport, prefetchedState: nil, now: environment.now,
                interceptors: environment.interceptors, logger: logger, pool: pool,
                random: { Double.random(in: 0..<1) }, publish: { try await environment.transport.publish($0) })
            try await environment.transport.consume(subscription) { batch in
                try await handle(batch, context: context.with(prefetchedState: batch.prefetchedState))
            }
        }
        logger.debug("role stopped")
    }

    private func handle(_ batch: MessageBatch, context: RoleContext) async throws -> BatchDisposition {
        let decision = try await role.handle(batch, context: context)
        if !decision.deadLetters.isEmpty { logDeadLetters(decision.deadLetters) }
        return decision
    }

    /// Kept out of `handle`'s async frame (allocated for every batch).
    @inline(never)
    private func logDeadLetters(_ deadLetters: [String: String]) {
        for (id, reason) in deadLetters {
            logger.warning("dead-lettering a message", metadata: [LogKeys.id: "\(id)", LogKeys.reason: "\(reason)"])
        }
    }
}
