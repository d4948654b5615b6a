/// Runs a batch handler and turns what happened into the decision to apply, the same way for every transport:
/// - a thrown error becomes a retry of the batch with exponential backoff (`retryDelay`);
/// - a retry requested on a message's last allowed delivery dead-letters that message, naming the last reason;
/// - a cancelled handler (shutdown) yields nil: leave the messages unacknowledged, they will come back.
package enum HandlerRunner {
    package static func run(
        _ handler: BatchHandler, _ batch: MessageBatch, maxDeliveries: Int
    ) async -> BatchDisposition? {
        let decision: BatchDisposition
        do {
            decision = try await handler(batch)
        } catch is CancellationError {
            return nil
        } catch {
            if Task.isCancelled { return nil }
            let deliveries = batch.messages.map(\.deliveryCount).max() ?? 1
            decision = BatchDisposition(.retry(after: retryDelay(afterDelivery: deliveries), reason: "\(error)"))
        }
        return resolve(decision, for: batch, maxDeliveries: maxDeliveries)
    }

    /// `decision` with the messages a retry would deliver more than `maxDeliveries` times dead-lettered.
    package static func resolve(
        _ decision: BatchDisposition, for batch: MessageBatch, maxDeliveries: Int
    ) -> BatchDisposition {
        guard case .retry(_, let reason) = decision.disposition else { return decision }
        var resolved = decision
        for message in batch.messages where message.deliveryCount >= maxDeliveries {
            if resolved.deadLetters[message.id] == nil {
                resolved.deadLetters[message.id] = "gave up after \(message.deliveryCount) deliveries: \(reason)"
            }
        }
        return resolved
    }

    /// The delay before redelivering a message whose handler threw: 100 ms doubling, at most 30 s.
    package static func retryDelay(afterDelivery delivery: Int) -> Duration {
        let exponent = min(max(delivery - 1, 0), 20)
        return min(.milliseconds(100) * (1 << exponent), .seconds(30))
    }
}
